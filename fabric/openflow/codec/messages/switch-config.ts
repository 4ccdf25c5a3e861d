import type { Reader } from '../reader';
import type { Writer } from '../writer';

/** The switch's identity (FEATURES_REPLY) and its fragment/miss-length settings (GET/SET_CONFIG). */

export const Capabilities = {
  FLOW_STATS: 1 << 0,
  TABLE_STATS: 1 << 1,
  PORT_STATS: 1 << 2,
  GROUP_STATS: 1 << 3,
  IP_REASM: 1 << 5,
  QUEUE_STATS: 1 << 6,
  PORT_BLOCKED: 1 << 8,
} as const;

export interface FeaturesReply {
  type: 'features_reply';
  xid: number;
  datapathId: bigint;
  nBuffers: number;
  nTables: number;
  /** 0 on the main connection. */
  auxiliaryId: number;
  /** `Capabilities` bits. */
  capabilities: number;
}

export function writeFeaturesReply(w: Writer, m: FeaturesReply): void {
  w.u64(m.datapathId, 'features_reply.datapathId');
  w.u32(m.nBuffers, 'features_reply.nBuffers');
  w.u8(m.nTables, 'features_reply.nTables');
  w.u8(m.auxiliaryId, 'features_reply.auxiliaryId');
  w.zeros(2);
  w.u32(m.capabilities, 'features_reply.capabilities');
  w.zeros(4);
}

export function readFeaturesReply(r: Reader, xid: number): FeaturesReply {
  const datapathId = r.u64('datapath_id');
  const nBuffers = r.u32('n_buffers');
  const nTables = r.u8('n_tables');
  const auxiliaryId = r.u8('auxiliary_id');
  r.skip(2, 'padding');
  const capabilities = r.u32('capabilities');
  r.skip(4, 'reserved');
  return { type: 'features_reply', xid, datapathId, nBuffers, nTables, auxiliaryId, capabilities };
}

/** `flags` of the switch configuration: how IP fragments are handled. */
export const ConfigFlags = { FRAG_NORMAL: 0, FRAG_DROP: 1, FRAG_REASM: 2, FRAG_MASK: 3 } as const;

export interface SwitchConfig {
  type: 'get_config_reply' | 'set_config';
  xid: number;
  flags: number;
  /** Bytes of a table-miss packet sent to the controller. */
  missSendLen: number;
}
export interface GetConfigReply extends SwitchConfig {
  type: 'get_config_reply';
}
export interface SetConfig extends SwitchConfig {
  type: 'set_config';
}

export function writeSwitchConfig(w: Writer, m: SwitchConfig): void {
  w.u16(m.flags, `${m.type}.flags`);
  w.u16(m.missSendLen, `${m.type}.missSendLen`);
}

export function readSwitchConfig<T extends SwitchConfig['type']>(r: Reader, type: T, xid: number): SwitchConfig & { type: T } {
  const flags = r.u16('config flags');
  return { type, xid, flags, missSendLen: r.u16('miss_send_len') };
}
