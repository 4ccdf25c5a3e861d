import { formatMac, parseMaskedAddress } from '../address';
import { OpenFlowEncodeError } from '../errors';
import type { Reader } from '../reader';
import type { Writer } from '../writer';

/** `ofp_port`: a port's description, in PORT_STATUS and port-description replies. */

export const PortConfig = { PORT_DOWN: 1 << 0, NO_RECV: 1 << 2, NO_FWD: 1 << 5, NO_PACKET_IN: 1 << 6 } as const;
export const PortState = { LINK_DOWN: 1 << 0, BLOCKED: 1 << 1, LIVE: 1 << 2 } as const;
export const PortFeatures = {
  RATE_10MB_HD: 1 << 0,
  RATE_10MB_FD: 1 << 1,
  RATE_100MB_HD: 1 << 2,
  RATE_100MB_FD: 1 << 3,
  RATE_1GB_HD: 1 << 4,
  RATE_1GB_FD: 1 << 5,
  RATE_10GB_FD: 1 << 6,
  RATE_40GB_FD: 1 << 7,
  RATE_100GB_FD: 1 << 8,
  RATE_1TB_FD: 1 << 9,
  OTHER: 1 << 10,
  COPPER: 1 << 11,
  FIBER: 1 << 12,
  AUTONEG: 1 << 13,
  PAUSE: 1 << 14,
  PAUSE_ASYM: 1 << 15,
} as const;

export interface PortDesc {
  portNo: number;
  hwAddr: string;
  name: string;
  /** `PortConfig` bits. */
  config: number;
  /** `PortState` bits. */
  state: number;
  /** `PortFeatures` bits. */
  curr: number;
  advertised: number;
  supported: number;
  peer: number;
  /** kbps. */
  currSpeed: number;
  maxSpeed: number;
}

export const PORT_DESC_LEN = 64;
const OFP_MAX_PORT_NAME_LEN = 16;
const mac = new Uint8Array(12);

export function writePortDesc(w: Writer, p: PortDesc, what: string): void {
  w.u32(p.portNo, `${what}.portNo`);
  w.zeros(4);
  if (parseMaskedAddress('mac', p.hwAddr, mac, `${what}.hwAddr`)) throw new OpenFlowEncodeError(`${what}.hwAddr`, 'a port address has no mask');
  w.bytes(mac.subarray(0, 6), `${what}.hwAddr`);
  w.zeros(2);
  w.text(p.name, OFP_MAX_PORT_NAME_LEN, `${what}.name`);
  w.u32(p.config, `${what}.config`);
  w.u32(p.state, `${what}.state`);
  w.u32(p.curr, `${what}.curr`);
  w.u32(p.advertised, `${what}.advertised`);
  w.u32(p.supported, `${what}.supported`);
  w.u32(p.peer, `${what}.peer`);
  w.u32(p.currSpeed, `${what}.currSpeed`);
  w.u32(p.maxSpeed, `${what}.maxSpeed`);
}

export function readPortDesc(r: Reader): PortDesc {
  const portNo = r.u32('port_no');
  r.skip(4, 'padding');
  const hwAddr = formatMac(r.bytes(6, 'hw_addr'), 0);
  r.skip(2, 'padding');
  const name = r.text(OFP_MAX_PORT_NAME_LEN, 'port name');
  return {
    portNo,
    hwAddr,
    name,
    config: r.u32('config'),
    state: r.u32('state'),
    curr: r.u32('curr'),
    advertised: r.u32('advertised'),
    supported: r.u32('supported'),
    peer: r.u32('peer'),
    currSpeed: r.u32('curr_speed'),
    maxSpeed: r.u32('max_speed'),
  };
}

export const PortReason = { ADD: 0, DELETE: 1, MODIFY: 2 } as const;

/** OFPT_PORT_STATUS: a port was added, removed or changed. */
export interface PortStatus {
  type: 'port_status';
  xid: number;
  /** `PortReason`. */
  reason: number;
  port: PortDesc;
}

export function writePortStatus(w: Writer, m: PortStatus): void {
  w.u8(m.reason, 'port_status.reason');
  w.zeros(7);
  writePortDesc(w, m.port, 'port_status.port');
}

export function readPortStatus(r: Reader, xid: number): PortStatus {
  const reason = r.u8('reason');
  r.skip(7, 'padding');
  return { type: 'port_status', xid, reason, port: readPortDesc(r) };
}
