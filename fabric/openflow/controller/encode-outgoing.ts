import { OFP_HEADER_LEN, OFP_VERSION, OfpType, ONF_EXPERIMENTER_ID, OnfExpType, writeMessage, type Writer } from '../codec';
import { withXid, type Outgoing } from './outgoing';

/** ofp_header + experimenter + exp_type + bundle_id + pad + flags. */
const BUNDLE_ADD_HEAD = 24;

/**
 * Appends `msg` numbered `xid` to `w`. A bundled message that is already encoded (the
 * FLOW_MODs of a flow sync, 100,000 at a time) is framed here directly, the same bytes
 * the codec writes, without building the objects the codec would read; everything else
 * goes through the codec.
 */
export function encodeOutgoing(w: Writer, msg: Outgoing, xid: number): void {
  if (msg.type !== 'bundle_add_message' || msg.message.type !== 'raw' || msg.properties !== undefined) {
    writeMessage(w, withXid(msg, xid));
    return;
  }
  const inner = msg.message;
  const innerLength = OFP_HEADER_LEN + inner.body.length;
  w.ensure(BUNDLE_ADD_HEAD + innerLength);
  const b = w.buf;
  const at = w.pos;
  header(b, at, OfpType.EXPERIMENTER, BUNDLE_ADD_HEAD + innerLength, xid);
  b.writeUInt32BE(ONF_EXPERIMENTER_ID, at + 8);
  b.writeUInt32BE(OnfExpType.BUNDLE_ADD_MESSAGE, at + 12);
  b.writeUInt32BE(msg.bundleId, at + 16);
  b.writeUInt16BE(0, at + 20);
  b.writeUInt16BE(msg.flags ?? 0, at + 22);
  // OVS wants the bundled message to carry the bundle_add's xid.
  header(b, at + BUNDLE_ADD_HEAD, inner.msgType, innerLength, xid);
  b.set(inner.body, at + BUNDLE_ADD_HEAD + OFP_HEADER_LEN);
  w.pos = at + BUNDLE_ADD_HEAD + innerLength;
}

function header(b: Buffer, at: number, type: number, length: number, xid: number): void {
  b[at] = OFP_VERSION;
  b[at + 1] = type;
  b.writeUInt16BE(length, at + 2);
  b.writeUInt32BE(xid, at + 4);
}
