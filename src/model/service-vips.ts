import { InvalidInputError, type InputProblem } from '../errors';
import { cidrContains, formatIp, parseCidr, parseIp, type CidrText } from '../net/ip-address';
import type { Mesh } from './mesh';
import type { Service } from './service';

/**
 * Service VIPs: every Service has a virtual IP from the service CIDR (`--service-cidr`),
 * which pods connect to on any port and the overlay balances over the service's backends.
 * A VIP is what clients hold on to, so once given it stays with its service: applying the
 * service again without one keeps it. Pure; the daemon runs it on every change before
 * validating the result.
 */

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/16';

/** Where problems with the flag itself are reported. */
const FLAG = '--service-cidr';

interface ServiceRange {
  cidr: CidrText;
  text: string;
  /** The first and last address a VIP may have: the CIDR less its network and broadcast addresses. */
  first: bigint;
  last: bigint;
}

/** The service CIDR, or InvalidInputError naming the flag and what it accepts. */
function serviceRange(serviceCidr: string): ServiceRange {
  const cidr = parseCidr(serviceCidr);
  const hostBits = cidr ? 32n - BigInt(cidr.prefixLength) : 0n;
  if (!cidr || cidr.address.family !== 4 || cidr.prefixLength > 30 || cidr.address.value % (1n << hostBits) !== 0n) {
    throw new InvalidInputError([{ source: FLAG, message: `${JSON.stringify(serviceCidr)} is not an IPv4 CIDR with its host bits zero and room for services (/30 or shorter), such as ${DEFAULT_SERVICE_CIDR}` }]);
  }
  const base = cidr.address.value;
  return { cidr, text: serviceCidr, first: base + 1n, last: base + (1n << hostBits) - 2n };
}

function problem(service: string, message: string): InputProblem {
  return { source: 'mesh', resource: `Service ${service}`, path: 'vip', message };
}

/**
 * `next` with a VIP on every service: one given in `next` is checked (in the service
 * CIDR, not its network or broadcast address, no other service's); a service without one
 * keeps the VIP it had in `previous` (if that is still in the CIDR), else gets the lowest
 * free address, services taken in name order. Throws InvalidInputError listing every
 * conflict and every service left without an address; nothing is assigned then.
 */
export function assignServiceVips(previous: Mesh, next: Mesh, serviceCidr: string): Mesh {
  const range = serviceRange(serviceCidr);
  const usable = (ip: bigint) => ip >= range.first && ip <= range.last;
  const problems: InputProblem[] = [];
  const holders = new Map<bigint, string>();
  const vips = new Map<string, bigint>();
  const names = Object.keys(next.services).sort();

  // Kept addresses are claimed first: a service that asks for one of them is the one to change.
  for (const name of names) {
    const before = next.services[name].vip === undefined ? previous.services[name]?.vip : undefined;
    const ip = before === undefined ? undefined : parseIp(before);
    if (ip?.family !== 4 || !usable(ip.value) || holders.has(ip.value)) continue;
    holders.set(ip.value, name);
    vips.set(name, ip.value);
  }
  for (const name of names) {
    const asked = next.services[name].vip;
    if (asked === undefined) continue;
    const ip = parseIp(asked);
    const holder = ip && holders.get(ip.value);
    if (ip?.family !== 4) problems.push(problem(name, `${JSON.stringify(asked)} is not an IPv4 address`));
    else if (!cidrContains(range.cidr, ip)) problems.push(problem(name, `${asked} is outside the service CIDR ${range.text} (${FLAG}); leave vip out to get a free address`));
    else if (!usable(ip.value)) problems.push(problem(name, `${asked} is the ${ip.value < range.first ? 'network' : 'broadcast'} address of the service CIDR ${range.text}; use an address between ${formatIp({ family: 4, value: range.first })} and ${formatIp({ family: 4, value: range.last })}`));
    else if (holder !== undefined) problems.push(problem(name, `${asked} is already the VIP of service "${holder}"; each service needs its own (leave vip out to get a free address)`));
    else {
      holders.set(ip.value, name);
      vips.set(name, ip.value);
    }
  }
  let cursor = range.first;
  for (const name of names) {
    if (vips.has(name) || next.services[name].vip !== undefined) continue;
    while (cursor <= range.last && holders.has(cursor)) cursor++;
    if (cursor > range.last) {
      problems.push(problem(name, `the service CIDR ${range.text} (${FLAG}) has no free address left: all ${range.last - range.first + 1n} are VIPs of other services`));
      continue;
    }
    holders.set(cursor, name);
    vips.set(name, cursor);
  }
  if (problems.length > 0) throw new InvalidInputError(problems);

  const withVip = (name: string, svc: Service): Service => {
    const vip = formatIp({ family: 4, value: vips.get(name)! });
    return svc.vip === vip ? svc : { ...svc, vip };
  };
  // Services that all have their VIP already stay the same object (see applyResources).
  if (names.every((name) => withVip(name, next.services[name]) === next.services[name])) return next;
  return { ...next, services: Object.fromEntries(Object.entries(next.services).map(([name, svc]) => [name, withVip(name, svc)])) };
}

/**
 * Throws InvalidInputError unless `serviceCidr` is a valid service CIDR that overlaps no
 * Network's CIDR: a VIP inside a network would be taken for a pod's address there.
 */
export function checkServiceCidr(mesh: Mesh, serviceCidr: string): void {
  const { cidr, text } = serviceRange(serviceCidr);
  const problems: InputProblem[] = [];
  for (const net of Object.values(mesh.networks).sort((a, b) => a.name.localeCompare(b.name))) {
    const other = parseCidr(net.cidr);
    if (other && (cidrContains(cidr, other.address) || cidrContains(other, cidr.address))) {
      problems.push({ source: 'mesh', resource: `Network ${net.name}`, path: 'cidr', message: `${net.cidr} overlaps the service CIDR ${text} (${FLAG}); networks and service VIPs need separate ranges` });
    }
  }
  if (problems.length > 0) throw new InvalidInputError(problems);
}
