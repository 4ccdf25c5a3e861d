import { Group, NO_BUFFER, Port, type Action, type FlowMod, type Instruction, type Match } from '../../../../fabric/openflow/codec';

/** Shorthands for writing expected decoded values the way ovs-ofctl text reads. */

/** A decoded flow_mod with OVS's defaults; `xid` 2 is what ovs-ofctl uses for its first request. */
export function flowMod(fields: Partial<FlowMod> & { match?: Match }): FlowMod {
  return {
    type: 'flow_mod',
    xid: 2,
    command: 'add',
    cookie: 0n,
    cookieMask: 0n,
    tableId: 0,
    idleTimeout: 0,
    hardTimeout: 0,
    priority: 0x8000,
    bufferId: NO_BUFFER,
    outPort: Port.ANY,
    outGroup: Group.ANY,
    flags: 0,
    match: {},
    instructions: [],
    ...fields,
  };
}

export const apply = (...actions: Action[]): Instruction => ({ type: 'apply_actions', actions });
export const output = (port: number, maxLen = 0): Action => ({ type: 'output', port, maxLen });
export const bucket = (actions: Action[], fields: { weight?: number; watchPort?: number; watchGroup?: number } = {}) => ({
  weight: 0,
  watchPort: Port.ANY,
  watchGroup: Group.ANY,
  ...fields,
  actions,
});
export const PACKET = Buffer.from('ffffffffffff001122334455080045000014000100004001f9cf0a0000010a000002', 'hex');
