import { readActions, writeActions, type Action } from '../actions';
import { NO_BUFFER, Port } from '../ports';
import type { Reader } from '../reader';
import type { WithDefaults } from '../types';
import type { Writer } from '../writer';

/** OFPT_PACKET_OUT: run `actions` on `data`, or on a packet buffered on the switch (`bufferId`). */
export interface PacketOut {
  type: 'packet_out';
  xid: number;
  bufferId: number;
  inPort: number;
  actions: Action[];
  data: Buffer;
}
export type PacketOutInput = WithDefaults<PacketOut, 'bufferId' | 'inPort' | 'data'>;

export function writePacketOut(w: Writer, m: PacketOutInput): void {
  w.u32(m.bufferId ?? NO_BUFFER, 'packet_out.bufferId');
  w.u32(m.inPort ?? Port.CONTROLLER, 'packet_out.inPort');
  const lenAt = w.pos;
  w.u16(0, 'packet_out.actions');
  w.zeros(6);
  const start = w.pos;
  writeActions(w, m.actions, 'packet_out.actions');
  w.patch16(lenAt, w.pos - start, 'packet_out.actions');
  if (m.data) w.bytes(m.data, 'packet_out.data');
}

export function readPacketOut(r: Reader, xid: number): PacketOut {
  const bufferId = r.u32('buffer_id');
  const inPort = r.u32('in_port');
  const actionsLen = r.u16('actions_len');
  r.skip(6, 'padding');
  const outer = r.enter(actionsLen, 'actions');
  const actions = readActions(r);
  r.leave(outer, 'actions');
  return { type: 'packet_out', xid, bufferId, inPort, actions, data: r.rest() };
}
