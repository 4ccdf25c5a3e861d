import type { Reader } from '../reader';
import type { Writer } from '../writer';

/**
 * GET_ASYNC_REPLY / SET_ASYNC: which asynchronous messages the switch sends on this
 * connection. Each mask is a pair: [when master or equal, when slave]; bit n enables
 * reason n (PacketInReason, PortReason, FlowRemovedReason).
 */
export interface AsyncConfig {
  type: 'get_async_reply' | 'set_async';
  xid: number;
  packetInMask: [number, number];
  portStatusMask: [number, number];
  flowRemovedMask: [number, number];
}
export interface GetAsyncReply extends AsyncConfig {
  type: 'get_async_reply';
}
export interface SetAsync extends AsyncConfig {
  type: 'set_async';
}

export function writeAsyncConfig(w: Writer, m: AsyncConfig): void {
  for (const key of ['packetInMask', 'portStatusMask', 'flowRemovedMask'] as const) {
    w.u32(m[key][0], `${m.type}.${key}[0]`);
    w.u32(m[key][1], `${m.type}.${key}[1]`);
  }
}

export function readAsyncConfig<T extends AsyncConfig['type']>(r: Reader, type: T, xid: number): AsyncConfig & { type: T } {
  const pair = (what: string): [number, number] => [r.u32(what), r.u32(what)];
  const packetInMask = pair('packet_in_mask');
  const portStatusMask = pair('port_status_mask');
  return { type, xid, packetInMask, portStatusMask, flowRemovedMask: pair('flow_removed_mask') };
}
