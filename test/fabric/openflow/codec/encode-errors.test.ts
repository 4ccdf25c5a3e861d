import { encode, OpenFlowEncodeError, Port, type Action, type OfpMessageInput } from '../../../../fabric/openflow/codec';

/** Values that cannot go on the wire are refused with the field and what would be accepted. */

const flowWith = (...actions: Action[]): OfpMessageInput => ({
  type: 'flow_mod',
  xid: 1,
  command: 'add',
  match: { ethType: 0x0800 },
  instructions: [{ type: 'apply_actions', actions }],
});

const CASES: [string, OfpMessageInput, RegExp][] = [
  ['a priority over 16 bits', { type: 'flow_mod', xid: 1, command: 'add', priority: 70000 }, /flow_mod\.priority: 70000 is not an unsigned 16-bit integer/],
  ['an unknown flow_mod command', { type: 'flow_mod', xid: 1, command: 'replace' as 'add' }, /flow_mod\.command: "replace" is not one of add, modify, modify_strict, delete, delete_strict/],
  ['a negative xid', { type: 'barrier_request', xid: -1 }, /barrier_request\.xid: -1 is not an unsigned 32-bit integer/],
  ['a cookie that is not a bigint', { type: 'flow_mod', xid: 1, command: 'add', cookie: 5 as unknown as bigint }, /flow_mod\.cookie: 5 is not an unsigned 64-bit bigint/],
  ['an unknown message type', { type: 'port_mod', xid: 1 } as unknown as OfpMessageInput, /message\.type: unknown message type "port_mod"/],
  ['an unknown action', flowWith({ type: 'learn' } as unknown as Action), /apply_actions\.actions: unknown action type "learn"/],
  ['an unknown instruction', { type: 'flow_mod', xid: 1, command: 'add', instructions: [{ type: 'goto' }] } as unknown as OfpMessageInput, /flow_mod\.instructions: unknown instruction type "goto"/],
  ['a set_field of an unknown field', flowWith({ type: 'set_field', field: 'ipDst', value: '1.2.3.4' } as unknown as Action), /set_field\.field: unknown field "ipDst"/],
  ['a set_field with a zero mask', flowWith({ type: 'set_field', field: 'reg0', value: { value: 1, mask: 0 } }), /set_field\.value: a zero mask sets nothing/],
  ['a reg_load value wider than its bits', flowWith({ type: 'reg_load', dst: { field: 'reg0', ofs: 0, nbits: 4 }, value: 16n }), /reg_load\.value: expected a bigint that fits in 4 bits/],
  ['a subfield past the end of its field', flowWith({ type: 'reg_load', dst: { field: 'reg0', ofs: 30, nbits: 4 }, value: 1n }), /reg_load\.dst: bits 30\.\.33 are not within the field's 32 bits/],
  [
    'a reg_move between different widths',
    flowWith({ type: 'reg_move', src: { field: 'reg0', ofs: 0, nbits: 8 }, dst: { field: 'reg1', ofs: 0, nbits: 16 } }),
    /reg_move: src and dst must have the same nbits/,
  ],
  ['a conjunction clause out of range', flowWith({ type: 'conjunction', id: 1, clause: 3, nClauses: 2 }), /conjunction: clause must be 1\.\.nClauses and nClauses 2\.\.64/],
  ['ct recircTable 255', flowWith({ type: 'ct', recircTable: 255 }), /ct\.recircTable: omit it for no recirculation; tables are 0\.\.254/],
  ['nat ipMax without ipMin', flowWith({ type: 'ct', actions: [{ type: 'nat', ipMax: '10.0.0.1' }] }), /nat\.ipMax: needs ipMin/],
  ['nat mixing families', flowWith({ type: 'ct', actions: [{ type: 'nat', ipMin: '10.0.0.1', ipMax: 'fd00::1' }] }), /nat\.ipMax: must be the same family as ipMin/],
  ['nat with a mask', flowWith({ type: 'ct', actions: [{ type: 'nat', ipMin: '10.0.0.0/8' }] }), /nat\.ipMin: a NAT address has no mask/],
  ['a resubmit port with no 16-bit form', flowWith({ type: 'resubmit', inPort: 0x10000, table: 1 }), /resubmit\.inPort: port 65536 has no 16-bit form/],
  ['experimenter action data not padding it to 8 bytes', flowWith({ type: 'experimenter', experimenter: 0x2320, data: Buffer.alloc(3) }), /experimenter\.data: length must make the action a multiple of 8 bytes/],
  [
    'a port name too long',
    {
      type: 'port_status',
      xid: 0,
      reason: 0,
      port: { portNo: 1, hwAddr: '02:00:00:00:00:01', name: 'a-very-long-port-name', config: 0, state: 0, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 },
    },
    /port_status\.port\.name: expected a string of at most 15 characters/,
  ],
  ['an unknown multipart kind', { type: 'multipart_request', xid: 1, body: { kind: 'meter' } } as unknown as OfpMessageInput, /multipart_request\.body\.kind: unknown multipart kind "meter"/],
  ['a hello with no versions', { type: 'hello', xid: 1, versions: [] }, /hello\.versions: expected a non-empty array of versions/],
  ['an unknown role', { type: 'role_request', xid: 1, role: 'primary' as 'master', generationId: 0n }, /role_request\.role: "primary" is not one of nochange, equal, master, slave/],
  ['a message over 64 KiB', { type: 'packet_out', xid: 1, actions: [], data: Buffer.alloc(70000) }, /packet_out: length 70024 exceeds 65535 bytes/],
];

describe('encode refuses', () => {
  it.each(CASES)('%s', (_name, value, error) => {
    expect(() => encode(value)).toThrow(OpenFlowEncodeError);
    expect(() => encode(value)).toThrow(error);
  });

  it('and stays usable after a refusal', () => {
    expect(() => encode(CASES[0][1])).toThrow(OpenFlowEncodeError);
    expect(encode({ type: 'barrier_request', xid: 7 }).toString('hex')).toBe('0414000800000007');
  });

  it('defaults output max_len to the whole packet for CONTROLLER and 0 elsewhere', () => {
    const bytes = (port: number) => encode(flowWith({ type: 'output', port })).subarray(72, 88).toString('hex');
    expect(bytes(Port.CONTROLLER)).toBe('00000010fffffffdffff000000000000');
    expect(bytes(3)).toBe('00000010000000030000000000000000');
  });
});
