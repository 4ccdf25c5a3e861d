import { CtFlags, CtState, FIELDS, IpProto, NatFlags, Port, type Action, type FieldName, type Match, type Subfield } from '../openflow/codec';
import type { PipelineFlow } from './flow';
import type { RegName } from './registers';
import { tableName } from './tables';

/**
 * Flows as `ovs-ofctl` text, in the form `ovs-ofctl --no-stats dump-flows` prints them
 * (OVS's field order and number formats), with tables by name: what golden files hold,
 * what `ovs-ofctl add-flows` takes, and what an operator compares with a live bridge.
 * Only the fields and actions the pipeline uses are supported; anything else throws
 * rather than print something OVS would not.
 */

export interface FormatOptions {
  /** Tables by name (`table=SpoofGuard`, `goto_table:SpoofGuard`) rather than by id. Default true. */
  tableNames?: boolean;
}

type Flow = Pick<PipelineFlow, 'tableId' | 'priority' | 'match' | 'instructions'>;

/** One flow per line, ordered by table, then priority (highest first), then text. Ends with a newline. */
export function formatFlows(flows: readonly Flow[], options: FormatOptions = {}): string {
  const lines = flows
    .map((f) => ({ f, text: formatFlow(f, options) }))
    .sort((a, b) => a.f.tableId - b.f.tableId || b.f.priority - a.f.priority || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    .map((x) => x.text);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function formatFlow(flow: Flow, options: FormatOptions = {}): string {
  const names = options.tableNames ?? true;
  const match = [flow.priority === 0x8000 ? '' : `priority=${flow.priority}`, formatMatch(flow.match)].filter(Boolean).join(',');
  return `table=${table(flow.tableId, names)}, ${match} actions=${formatInstructions(flow.instructions, names)}`;
}

function table(id: number, names: boolean): string {
  return names ? (tableName(id) ?? String(id)) : String(id);
}

/** `%#x` as C prints it: no prefix for zero. */
function cHex(n: number | bigint): string {
  return n === 0 || n === 0n ? '0' : `0x${n.toString(16)}`;
}

function masked(value: number | bigint | { value: number | bigint; mask: number | bigint }): string {
  return typeof value === 'object' ? `${cHex(value.value)}/${cHex(value.mask)}` : cHex(value);
}

function port(p: number): string {
  switch (p) {
    case Port.IN_PORT:
      return 'IN_PORT';
    case Port.LOCAL:
      return 'LOCAL';
    case Port.CONTROLLER:
      return 'CONTROLLER';
    default:
      return String(p);
  }
}

const ETH_TYPE_NAMES: Record<number, string> = { 0x0800: 'ip', 0x0806: 'arp', 0x8035: 'rarp', 0x86dd: 'ipv6' };
const SUPPORTED_MATCH = new Set<string>([
  'conjId', 'ctState', 'ethType', 'tunId', 'tunSrc', 'tunDst', 'metadata', 'inPort', 'ethSrc', 'ethDst', 'ipv4Src', 'ipv4Dst', 'ipProto',
  'tcpSrc', 'tcpDst', 'udpSrc', 'udpDst', 'icmpv4Type', 'icmpv4Code', 'arpOp', 'arpSpa', 'arpTpa', 'arpSha', 'arpTha',
]);
/** Protocols OVS names instead of printing `ip,nw_proto=N`. */
const IP_PROTO_NAMES: Record<number, string> = { [IpProto.ICMP]: 'icmp', [IpProto.TCP]: 'tcp', [IpProto.UDP]: 'udp' };
const CT_STATE_BITS = Object.entries(CtState) as [string, number][];

/** `+new+trk`, `-new+est`: every bit in the mask, in bit order. */
function ctState(v: number | { value: number; mask: number }): string {
  const { value, mask } = typeof v === 'number' ? { value: v, mask: 0xffffffff } : v;
  return CT_STATE_BITS.filter(([, bit]) => (mask & bit) !== 0).map(([name, bit]) => `${(value & bit) !== 0 ? '+' : '-'}${name}`).join('');
}

/** Transport ports print in decimal, masked ones in hex. */
function tpPort(v: number | { value: number; mask: number } | undefined): string | undefined {
  return v === undefined ? undefined : typeof v === 'number' ? String(v) : masked(v);
}
const REGS = Array.from({ length: 16 }, (_, i) => `reg${i}` as RegName);

/** In OVS's printing order (match_format). */
function formatMatch(m: Match): string {
  for (const key of Object.keys(m)) {
    if (!SUPPORTED_MATCH.has(key) && !(REGS as readonly string[]).includes(key)) throw new RangeError(`formatFlow: match field ${key} is not supported`);
  }
  const out: string[] = [];
  const put = (name: string, value: string | undefined) => value !== undefined && out.push(`${name}=${value}`);
  const protoName = m.ethType === 0x0800 && m.ipProto !== undefined ? IP_PROTO_NAMES[m.ipProto] : undefined;
  const typeName = protoName ?? (m.ethType === undefined ? undefined : ETH_TYPE_NAMES[m.ethType]);
  const isArp = m.ethType === 0x0806 || m.ethType === 0x8035;
  if (m.conjId !== undefined) put('conj_id', String(m.conjId));
  if (m.ctState !== undefined) put('ct_state', ctState(m.ctState));
  if (typeName) out.push(typeName);
  for (const reg of REGS) {
    const v = m[reg];
    if (v !== undefined) put(reg, masked(v));
  }
  if (m.tunId !== undefined) put('tun_id', masked(m.tunId));
  put('tun_src', m.tunSrc);
  put('tun_dst', m.tunDst);
  if (m.metadata !== undefined) put('metadata', masked(m.metadata));
  if (m.inPort !== undefined) put('in_port', port(m.inPort));
  put('dl_src', m.ethSrc);
  put('dl_dst', m.ethDst);
  if (m.ethType !== undefined && !typeName) put('dl_type', `0x${m.ethType.toString(16).padStart(4, '0')}`);
  put(isArp ? 'arp_spa' : 'nw_src', isArp ? m.arpSpa : m.ipv4Src);
  put(isArp ? 'arp_tpa' : 'nw_dst', isArp ? m.arpTpa : m.ipv4Dst);
  if (isArp && m.arpOp !== undefined) put('arp_op', String(m.arpOp));
  if (!isArp && m.ipProto !== undefined && !protoName) put('nw_proto', String(m.ipProto));
  put('tp_src', tpPort(m.tcpSrc ?? m.udpSrc));
  put('tp_dst', tpPort(m.tcpDst ?? m.udpDst));
  if (m.icmpv4Type !== undefined) put('icmp_type', String(m.icmpv4Type));
  if (m.icmpv4Code !== undefined) put('icmp_code', String(m.icmpv4Code));
  if (isArp) {
    put('arp_sha', m.arpSha);
    put('arp_tha', m.arpTha);
  }
  return out.join(',');
}

function formatInstructions(instructions: Flow['instructions'], names: boolean): string {
  const out: string[] = [];
  for (const ins of instructions) {
    switch (ins.type) {
      case 'apply_actions':
        out.push(...ins.actions.map((a) => formatAction(a, names)));
        break;
      case 'goto_table':
        out.push(`goto_table:${table(ins.tableId, names)}`);
        break;
      default:
        throw new RangeError(`formatFlow: instruction ${ins.type} is not supported`);
    }
  }
  return out.length ? out.join(',') : 'drop';
}

/** NXM names, as OVS prints the fields of load and move. */
const NXM_NAMES: Partial<Record<FieldName, string>> = {
  inPort: 'NXM_OF_IN_PORT',
  ethSrc: 'NXM_OF_ETH_SRC',
  ethDst: 'NXM_OF_ETH_DST',
  arpSpa: 'NXM_OF_ARP_SPA',
  arpTpa: 'NXM_OF_ARP_TPA',
  arpSha: 'NXM_NX_ARP_SHA',
  arpTha: 'NXM_NX_ARP_THA',
  tunId: 'NXM_NX_TUN_ID',
  tunDst: 'NXM_NX_TUN_IPV4_DST',
  ...Object.fromEntries(REGS.map((r, i) => [r, `NXM_NX_REG${i}`])),
};

/** OVS's names for the fields of set_field. */
const SET_FIELD_NAMES: Partial<Record<FieldName, string>> = {
  ethSrc: 'eth_src',
  ethDst: 'eth_dst',
  arpOp: 'arp_op',
  arpSpa: 'arp_spa',
  arpTpa: 'arp_tpa',
  arpSha: 'arp_sha',
  arpTha: 'arp_tha',
  tunId: 'tun_id',
  tunDst: 'tun_dst',
};

const WIDTH = new Map<string, number>(FIELDS.map((f) => [f.name, f.size * 8]));

function subfield(sf: Subfield): string {
  const name = typeof sf.field === 'string' ? NXM_NAMES[sf.field] : undefined;
  if (name === undefined) throw new RangeError(`formatFlow: field ${String(sf.field)} in load/move is not supported`);
  if (sf.ofs === 0 && sf.nbits === WIDTH.get(sf.field as string)) return `${name}[]`;
  return sf.nbits === 1 ? `${name}[${sf.ofs}]` : `${name}[${sf.ofs}..${sf.ofs + sf.nbits - 1}]`;
}

/** One action as OVS prints it; `names`: tables by name in `ct(table=…)`. */
export function formatAction(a: Action, names: boolean): string {
  switch (a.type) {
    case 'group':
      return `group:${a.groupId}`;
    case 'conjunction':
      return `conjunction(${a.id},${a.clause}/${a.nClauses})`;
    case 'ct': {
      const flags = a.flags ?? 0;
      if ((flags & ~CtFlags.COMMIT) !== 0 || (a.alg ?? 0) !== 0) throw new RangeError('formatFlow: ct with flags other than commit, or with alg, is not supported');
      const zone = a.zone === undefined || a.zone === 0 ? undefined : typeof a.zone === 'number' ? String(a.zone) : subfield(a.zone);
      const parts = [(flags & CtFlags.COMMIT) !== 0 ? 'commit' : undefined, a.recircTable === undefined ? undefined : `table=${table(a.recircTable, names)}`, zone && `zone=${zone}`, ...(a.actions ?? []).map((x) => formatAction(x, names))];
      return `ct(${parts.filter(Boolean).join(',')})`;
    }
    case 'nat': {
      const flags = a.flags ?? 0;
      const side = (flags & NatFlags.SRC) !== 0 ? 'src' : (flags & NatFlags.DST) !== 0 ? 'dst' : undefined;
      if (side === undefined) return 'nat';
      if (a.ipMin === undefined || a.ipMax !== undefined || a.protoMax !== undefined || (flags & ~(NatFlags.SRC | NatFlags.DST)) !== 0) throw new RangeError('formatFlow: only nat, nat(src=IP[:PORT]) and nat(dst=IP[:PORT]) are supported');
      return `nat(${side}=${a.ipMin}${a.protoMin === undefined ? '' : `:${a.protoMin}`})`;
    }
    case 'output':
      if (a.port === Port.CONTROLLER) return `CONTROLLER:${a.maxLen ?? 0xffff}`;
      return a.port === Port.IN_PORT || a.port === Port.LOCAL ? port(a.port) : `output:${port(a.port)}`;
    case 'reg_load':
      return `load:${cHex(a.value)}->${subfield(a.dst)}`;
    case 'reg_move':
      return `move:${subfield(a.src)}->${subfield(a.dst)}`;
    case 'set_field': {
      if ('raw' in a) throw new RangeError('formatFlow: set_field of a raw field is not supported');
      const name = SET_FIELD_NAMES[a.field];
      if (name === undefined) throw new RangeError(`formatFlow: set_field of ${a.field} is not supported`);
      const v = a.value;
      const value = typeof v === 'bigint' ? cHex(v) : typeof v === 'number' ? String(v) : typeof v === 'string' ? v : undefined;
      if (value === undefined) throw new RangeError(`formatFlow: set_field of a masked ${a.field} is not supported`);
      return `set_field:${value}->${name}`;
    }
    default:
      throw new RangeError(`formatFlow: action ${a.type} is not supported`);
  }
}
