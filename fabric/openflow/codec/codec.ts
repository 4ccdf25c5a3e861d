import { OpenFlowDecodeError, OpenFlowEncodeError } from './errors';
import { OFP_HEADER_LEN, OFP_VERSION, OfpType } from './header';
import { readAsyncConfig, writeAsyncConfig } from './messages/async-config';
import { readExperimenter, writeBundleAdd, writeBundleControl, writeExperimenter } from './messages/bundle';
import { readError, writeError } from './messages/error';
import { readFlowMod, writeFlowMod } from './messages/flow-mod';
import { readFlowRemoved, writeFlowRemoved } from './messages/flow-removed';
import { readGroupMod, writeGroupMod } from './messages/group-mod';
import { readHello, writeHello } from './messages/hello';
import type { OfpMessage, OfpMessageInput, OfpMessageType } from './messages/message';
import { readMultipartReply, writeMultipartReply } from './messages/multipart-reply';
import { readMultipartRequest, writeMultipartRequest } from './messages/multipart-request';
import { readPacketIn, writePacketIn } from './messages/packet-in';
import { readPacketOut, writePacketOut } from './messages/packet-out';
import { readPortStatus, writePortStatus } from './messages/port';
import { readRole, writeRole } from './messages/role';
import { readFeaturesReply, readSwitchConfig, writeFeaturesReply, writeSwitchConfig } from './messages/switch-config';
import { Reader } from './reader';
import { Writer } from './writer';

/**
 * encode(message) → bytes and decode(bytes) → message for OpenFlow 1.3. Pure: no I/O, no
 * state kept between calls beyond a reusable scratch buffer.
 */

const WIRE_TYPE: Record<Exclude<OfpMessageType, 'raw'>, number> = {
  hello: OfpType.HELLO,
  error: OfpType.ERROR,
  echo_request: OfpType.ECHO_REQUEST,
  echo_reply: OfpType.ECHO_REPLY,
  features_request: OfpType.FEATURES_REQUEST,
  features_reply: OfpType.FEATURES_REPLY,
  get_config_request: OfpType.GET_CONFIG_REQUEST,
  get_config_reply: OfpType.GET_CONFIG_REPLY,
  set_config: OfpType.SET_CONFIG,
  packet_in: OfpType.PACKET_IN,
  flow_removed: OfpType.FLOW_REMOVED,
  port_status: OfpType.PORT_STATUS,
  packet_out: OfpType.PACKET_OUT,
  flow_mod: OfpType.FLOW_MOD,
  group_mod: OfpType.GROUP_MOD,
  multipart_request: OfpType.MULTIPART_REQUEST,
  multipart_reply: OfpType.MULTIPART_REPLY,
  barrier_request: OfpType.BARRIER_REQUEST,
  barrier_reply: OfpType.BARRIER_REPLY,
  role_request: OfpType.ROLE_REQUEST,
  role_reply: OfpType.ROLE_REPLY,
  get_async_request: OfpType.GET_ASYNC_REQUEST,
  get_async_reply: OfpType.GET_ASYNC_REPLY,
  set_async: OfpType.SET_ASYNC,
  bundle_control: OfpType.EXPERIMENTER,
  bundle_add_message: OfpType.EXPERIMENTER,
  experimenter: OfpType.EXPERIMENTER,
};

/** Bundles nest messages; deeper nesting than this is refused rather than recursed into. */
const MAX_MESSAGE_DEPTH = 4;

const scratch = new Writer(64 * 1024);

/** Encodes one message into a new Buffer of exactly its length. */
export function encode(msg: OfpMessageInput): Buffer {
  scratch.reset();
  writeMessage(scratch, msg);
  return scratch.copy();
}

/**
 * Appends one message to `w` (for callers batching many messages into one buffer) and
 * returns the offset it starts at.
 */
export function writeMessage(w: Writer, msg: OfpMessageInput): number {
  return write(w, msg, 0);
}

function write(w: Writer, msg: OfpMessageInput, depth: number): number {
  if (typeof msg !== 'object' || msg === null) throw new OpenFlowEncodeError('message', 'expected a message object');
  if (depth > MAX_MESSAGE_DEPTH) throw new OpenFlowEncodeError('message', `bundles nested more than ${MAX_MESSAGE_DEPTH} deep`);
  const start = w.pos;
  const wireType = msg.type === 'raw' ? msg.msgType : WIRE_TYPE[msg.type];
  if (wireType === undefined) throw new OpenFlowEncodeError('message.type', `unknown message type ${JSON.stringify(msg.type)}`);
  w.u8(msg.type === 'hello' ? (msg.version ?? OFP_VERSION) : OFP_VERSION, 'hello.version');
  w.u8(wireType, `${msg.type}.msgType`);
  w.u16(0, 'length');
  w.u32(msg.xid, `${msg.type}.xid`);
  switch (msg.type) {
    case 'hello':
      writeHello(w, msg);
      break;
    case 'error':
      writeError(w, msg);
      break;
    case 'echo_request':
    case 'echo_reply':
      if (msg.data) w.bytes(msg.data, `${msg.type}.data`);
      break;
    case 'features_request':
    case 'get_config_request':
    case 'barrier_request':
    case 'barrier_reply':
    case 'get_async_request':
      break;
    case 'features_reply':
      writeFeaturesReply(w, msg);
      break;
    case 'get_config_reply':
    case 'set_config':
      writeSwitchConfig(w, msg);
      break;
    case 'packet_in':
      writePacketIn(w, msg);
      break;
    case 'flow_removed':
      writeFlowRemoved(w, msg);
      break;
    case 'port_status':
      writePortStatus(w, msg);
      break;
    case 'packet_out':
      writePacketOut(w, msg);
      break;
    case 'flow_mod':
      writeFlowMod(w, msg);
      break;
    case 'group_mod':
      writeGroupMod(w, msg);
      break;
    case 'multipart_request':
      writeMultipartRequest(w, msg);
      break;
    case 'multipart_reply':
      writeMultipartReply(w, msg);
      break;
    case 'role_request':
    case 'role_reply':
      writeRole(w, msg);
      break;
    case 'get_async_reply':
    case 'set_async':
      writeAsyncConfig(w, msg);
      break;
    case 'bundle_control':
      writeBundleControl(w, msg);
      break;
    case 'bundle_add_message':
      writeBundleAdd(w, msg, (inner, m) => write(inner, m, depth + 1));
      break;
    case 'experimenter':
      writeExperimenter(w, msg);
      break;
    case 'raw':
      w.bytes(msg.body, 'raw.body');
      break;
  }
  w.patch16(start + 2, w.pos - start, msg.type);
  return start;
}

/**
 * Decodes exactly one message: `bytes` must hold it and nothing else (the framer yields
 * such buffers). Payload Buffers in the result are copies, independent of `bytes`.
 * Anything malformed throws OpenFlowDecodeError.
 */
export function decode(bytes: Uint8Array): OfpMessage {
  if (!(bytes instanceof Uint8Array)) throw new OpenFlowDecodeError(0, 'a Buffer or Uint8Array');
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buf);
  const msg = read(r, 0);
  if (r.pos !== buf.length) r.fail('end of input after one message', `${buf.length - r.pos} more bytes`);
  return msg;
}

/**
 * Reads the message starting at `r.pos` and leaves `r.pos` after it, for callers decoding
 * several messages from one buffer.
 */
export function readMessage(r: Reader): OfpMessage {
  return read(r, 0);
}

function read(r: Reader, depth: number): OfpMessage {
  const at = r.pos;
  const version = r.u8('version');
  const type = r.u8('message type');
  const length = r.u16('message length');
  const xid = r.u32('xid');
  if (length < OFP_HEADER_LEN) r.failAt(at + 2, `message length of at least ${OFP_HEADER_LEN}`, `${length}`);
  if (version !== OFP_VERSION && type !== OfpType.HELLO) r.failAt(at, `version ${OFP_VERSION} (OpenFlow 1.3)`, `${version}`);
  const outer = r.enter(length - OFP_HEADER_LEN, 'message body');
  const msg = readBody(r, version, type, xid, depth);
  r.leave(outer, 'message');
  return msg;
}

function readBody(r: Reader, version: number, type: number, xid: number, depth: number): OfpMessage {
  switch (type) {
    case OfpType.HELLO:
      return readHello(r, version, xid);
    case OfpType.ERROR:
      return readError(r, xid);
    case OfpType.ECHO_REQUEST:
      return { type: 'echo_request', xid, data: r.rest() };
    case OfpType.ECHO_REPLY:
      return { type: 'echo_reply', xid, data: r.rest() };
    case OfpType.EXPERIMENTER:
      return readExperimenter(r, xid, (inner) => {
        if (depth >= MAX_MESSAGE_DEPTH) inner.fail(`bundled messages nested at most ${MAX_MESSAGE_DEPTH} deep`);
        return read(inner, depth + 1);
      });
    case OfpType.FEATURES_REQUEST:
      return { type: 'features_request', xid };
    case OfpType.FEATURES_REPLY:
      return readFeaturesReply(r, xid);
    case OfpType.GET_CONFIG_REQUEST:
      return { type: 'get_config_request', xid };
    case OfpType.GET_CONFIG_REPLY:
      return readSwitchConfig(r, 'get_config_reply', xid);
    case OfpType.SET_CONFIG:
      return readSwitchConfig(r, 'set_config', xid);
    case OfpType.PACKET_IN:
      return readPacketIn(r, xid);
    case OfpType.FLOW_REMOVED:
      return readFlowRemoved(r, xid);
    case OfpType.PORT_STATUS:
      return readPortStatus(r, xid);
    case OfpType.PACKET_OUT:
      return readPacketOut(r, xid);
    case OfpType.FLOW_MOD:
      return readFlowMod(r, xid);
    case OfpType.GROUP_MOD:
      return readGroupMod(r, xid);
    case OfpType.MULTIPART_REQUEST:
      return readMultipartRequest(r, xid);
    case OfpType.MULTIPART_REPLY:
      return readMultipartReply(r, xid);
    case OfpType.BARRIER_REQUEST:
      return { type: 'barrier_request', xid };
    case OfpType.BARRIER_REPLY:
      return { type: 'barrier_reply', xid };
    case OfpType.ROLE_REQUEST:
      return readRole(r, 'role_request', xid);
    case OfpType.ROLE_REPLY:
      return readRole(r, 'role_reply', xid);
    case OfpType.GET_ASYNC_REQUEST:
      return { type: 'get_async_request', xid };
    case OfpType.GET_ASYNC_REPLY:
      return readAsyncConfig(r, 'get_async_reply', xid);
    case OfpType.SET_ASYNC:
      return readAsyncConfig(r, 'set_async', xid);
    default:
      return { type: 'raw', xid, msgType: type, body: r.rest() };
  }
}
