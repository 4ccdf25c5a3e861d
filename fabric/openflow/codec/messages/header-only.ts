/**
 * Messages that are a header and nothing else, and the echo pair whose body is opaque
 * data returned unchanged.
 */

export interface FeaturesRequest {
  type: 'features_request';
  xid: number;
}
export interface GetConfigRequest {
  type: 'get_config_request';
  xid: number;
}
export interface BarrierRequest {
  type: 'barrier_request';
  xid: number;
}
export interface BarrierReply {
  type: 'barrier_reply';
  xid: number;
}
export interface GetAsyncRequest {
  type: 'get_async_request';
  xid: number;
}

export type HeaderOnlyMessage = FeaturesRequest | GetConfigRequest | BarrierRequest | BarrierReply | GetAsyncRequest;

export interface EchoRequest {
  type: 'echo_request';
  xid: number;
  data: Buffer;
}
export interface EchoReply {
  type: 'echo_reply';
  xid: number;
  data: Buffer;
}
export type EchoInput = Omit<EchoRequest | EchoReply, 'data'> & { data?: Buffer };
