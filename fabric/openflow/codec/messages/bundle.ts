import { ONF_EXPERIMENTER_ID } from '../fields';
import { OpenFlowEncodeError } from '../errors';
import type { Reader } from '../reader';
import type { WithDefaults } from '../types';
import { wireValue, type Writer } from '../writer';
import type { OfpMessage, OfpMessageInput } from './message';

/**
 * Bundles on OpenFlow 1.3, as OVS implements them: OpenFlow 1.4's bundle messages carried
 * in ONF experimenter messages (experimenter 0x4f4e4600, exp_type 2300 for control, 2301
 * for add). `ovs-ofctl -O OpenFlow13 --bundle` sends open, one add per message (each
 * wrapping a complete message with its own header), then commit.
 */

export const OnfExpType = { BUNDLE_CONTROL: 2300, BUNDLE_ADD_MESSAGE: 2301 } as const;

export const BundleControlType = {
  open_request: 0,
  open_reply: 1,
  close_request: 2,
  close_reply: 3,
  commit_request: 4,
  commit_reply: 5,
  discard_request: 6,
  discard_reply: 7,
} as const;
export type BundleControlType = keyof typeof BundleControlType;
const CONTROL_NAMES = Object.keys(BundleControlType) as BundleControlType[];

/** ATOMIC: all or nothing; ORDERED: applied in the order added. */
export const BundleFlags = { ATOMIC: 1, ORDERED: 2 } as const;

export interface BundleControl {
  type: 'bundle_control';
  xid: number;
  bundleId: number;
  controlType: BundleControlType;
  /** `BundleFlags` bits. */
  flags: number;
  /** Property bytes after the fixed part, as received (OVS sends none). */
  properties: Buffer;
}
export type BundleControlInput = WithDefaults<BundleControl, 'flags' | 'properties'>;

export interface BundleAddMessage {
  type: 'bundle_add_message';
  xid: number;
  bundleId: number;
  flags: number;
  /** The bundled message; OVS gives it the same xid as the add message. */
  message: OfpMessage;
  /** Bytes after the inner message (padding and properties), as received. */
  properties: Buffer;
}
export type BundleAddMessageInput = Omit<WithDefaults<BundleAddMessage, 'flags' | 'properties'>, 'message'> & { message: OfpMessageInput };

/** An experimenter message without a model here. */
export interface ExperimenterMessage {
  type: 'experimenter';
  xid: number;
  experimenter: number;
  expType: number;
  data: Buffer;
}

export function writeBundleControl(w: Writer, m: BundleControlInput): void {
  w.u32(ONF_EXPERIMENTER_ID, 'experimenter');
  w.u32(OnfExpType.BUNDLE_CONTROL, 'exp_type');
  w.u32(m.bundleId, 'bundle_control.bundleId');
  w.u16(wireValue(BundleControlType, m.controlType, 'bundle_control.controlType'), 'bundle_control.controlType');
  w.u16(m.flags ?? 0, 'bundle_control.flags');
  if (m.properties) w.bytes(m.properties, 'bundle_control.properties');
}

export function writeBundleAdd(w: Writer, m: BundleAddMessageInput, writeInner: (w: Writer, m: OfpMessageInput) => void): void {
  w.u32(ONF_EXPERIMENTER_ID, 'experimenter');
  w.u32(OnfExpType.BUNDLE_ADD_MESSAGE, 'exp_type');
  w.u32(m.bundleId, 'bundle_add_message.bundleId');
  w.zeros(2);
  w.u16(m.flags ?? 0, 'bundle_add_message.flags');
  if (typeof m.message !== 'object' || m.message === null) throw new OpenFlowEncodeError('bundle_add_message.message', 'expected a message');
  writeInner(w, m.message);
  if (m.properties) w.bytes(m.properties, 'bundle_add_message.properties');
}

export function writeExperimenter(w: Writer, m: ExperimenterMessage): void {
  w.u32(m.experimenter, 'experimenter.experimenter');
  w.u32(m.expType, 'experimenter.expType');
  w.bytes(m.data, 'experimenter.data');
}

export type ExperimenterFamily = BundleControl | BundleAddMessage | ExperimenterMessage;

export function readExperimenter(r: Reader, xid: number, readInner: (r: Reader) => OfpMessage): ExperimenterFamily {
  const experimenter = r.u32('experimenter');
  const expType = r.u32('exp_type');
  if (experimenter === ONF_EXPERIMENTER_ID && expType === OnfExpType.BUNDLE_CONTROL) {
    const bundleId = r.u32('bundle_id');
    const at = r.pos;
    const controlType = CONTROL_NAMES[r.u16('bundle control type')];
    if (controlType === undefined) r.failAt(at, 'bundle control type 0..7', `${r.buf.readUInt16BE(at)}`);
    return { type: 'bundle_control', xid, bundleId, controlType, flags: r.u16('bundle flags'), properties: r.rest() };
  }
  if (experimenter === ONF_EXPERIMENTER_ID && expType === OnfExpType.BUNDLE_ADD_MESSAGE) {
    const bundleId = r.u32('bundle_id');
    r.skip(2, 'padding');
    const flags = r.u16('bundle flags');
    const message = readInner(r);
    return { type: 'bundle_add_message', xid, bundleId, flags, message, properties: r.rest() };
  }
  return { type: 'experimenter', xid, experimenter, expType, data: r.rest() };
}
