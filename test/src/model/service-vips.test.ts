import { InvalidInputError } from '../../../src/errors';
import { parseResourceDocuments } from '../../../src/model/documents';
import { emptyMesh, type Mesh } from '../../../src/model/mesh';
import type { Network } from '../../../src/model/network';
import type { Service } from '../../../src/model/service';
import { assignServiceVips, checkServiceCidr, DEFAULT_SERVICE_CIDR } from '../../../src/model/service-vips';

/**
 * VIP assignment as the daemon runs it on every change: kept across re-applies, lowest
 * free address otherwise, explicit ones checked, and nothing assigned when any service
 * cannot have its address.
 */

const service = (name: string, extra: Partial<Service> = {}): Service => ({ kind: 'Service', name, ports: [{ port: 80, protocol: 'tcp' }], ...extra });
const meshOf = (...services: Service[]): Mesh => ({ ...emptyMesh(), services: Object.fromEntries(services.map((s) => [s.name, s])) });
const vips = (mesh: Mesh) => Object.fromEntries(Object.values(mesh.services).map((s) => [s.name, s.vip]));
const CIDR = '10.96.0.0/29'; // 10.96.0.1 .. 10.96.0.6

/** The problems of the InvalidInputError `run` throws, as `Service x: path: message` lines. */
function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    return err.problems.map((p) => `${p.resource ?? p.source}: ${p.path ?? ''}: ${p.message}`);
  }
  throw new Error('expected an InvalidInputError');
}

test('the schema takes a VIP and a session affinity, and refuses what is not one', () => {
  const [ok] = parseResourceDocuments('kind: Service\nname: web\nports: [{port: 80, protocol: tcp}]\nvip: 10.96.0.10\nsessionAffinity: ClientIP\n', 'svc.yaml');
  expect(ok.resource).toMatchObject({ vip: '10.96.0.10', sessionAffinity: 'ClientIP' });
  expect(() => parseResourceDocuments('kind: Service\nname: web\nports: [{port: 80, protocol: tcp}]\nvip: fd00::1\n', 'svc.yaml')).toThrow(/vip: expected an IPv4 address such as 10.96.0.10/);
  expect(() => parseResourceDocuments('kind: Service\nname: web\nports: [{port: 80, protocol: tcp}]\nsessionAffinity: Cookie\n', 'svc.yaml')).toThrow(/sessionAffinity: expected one of: None, ClientIP/);
});

describe('assignServiceVips', () => {
  test('services without a VIP get the lowest free addresses, in name order, skipping the network address', () => {
    const next = assignServiceVips(emptyMesh(), meshOf(service('b'), service('a'), service('c', { vip: '10.96.0.2' })), CIDR);
    expect(vips(next)).toEqual({ a: '10.96.0.1', b: '10.96.0.3', c: '10.96.0.2' });
  });

  test('a service applied again without its VIP keeps it, even when a lower address is free', () => {
    const first = assignServiceVips(emptyMesh(), meshOf(service('a'), service('b')), CIDR);
    const withoutA = { ...first, services: { b: first.services.b } };
    const second = assignServiceVips(first, { ...withoutA, services: { ...withoutA.services, b: service('b') } }, CIDR);
    expect(vips(second)).toEqual({ b: '10.96.0.2' });
    const third = assignServiceVips(second, { ...second, services: { ...second.services, c: service('c') } }, CIDR);
    expect(vips(third)).toEqual({ b: '10.96.0.2', c: '10.96.0.1' });
  });

  test('the rest of the mesh, and services that already have their VIP, are passed through as they are', () => {
    const net: Network = { kind: 'Network', name: 'blue', cidr: '10.0.0.0/24', vni: 1 };
    const a = service('a', { vip: '10.96.0.5' });
    const next = assignServiceVips(emptyMesh(), { ...meshOf(a), networks: { blue: net } }, CIDR);
    expect(next.services.a).toBe(a);
    expect(next.networks.blue).toBe(net);
    // With every VIP in place, the mesh itself: the fabric controller tells changes by identity.
    const given = { ...meshOf(a), networks: { blue: net } };
    expect(assignServiceVips(given, given, CIDR)).toBe(given);
  });

  test('an explicit VIP outside the CIDR, at its network or broadcast address, or taken, is refused with every problem', () => {
    const previous = assignServiceVips(emptyMesh(), meshOf(service('kept')), CIDR);
    const next = meshOf(
      service('kept'),
      service('outside', { vip: '10.97.0.1' }),
      service('network', { vip: '10.96.0.0' }),
      service('broadcast', { vip: '10.96.0.7' }),
      service('steals', { vip: '10.96.0.1' }),
      service('twin1', { vip: '10.96.0.4' }),
      service('twin2', { vip: '10.96.0.4' }),
    );
    expect(problemsOf(() => assignServiceVips(previous, next, CIDR))).toEqual([
      'Service broadcast: vip: 10.96.0.7 is the broadcast address of the service CIDR 10.96.0.0/29; use an address between 10.96.0.1 and 10.96.0.6',
      'Service network: vip: 10.96.0.0 is the network address of the service CIDR 10.96.0.0/29; use an address between 10.96.0.1 and 10.96.0.6',
      'Service outside: vip: 10.97.0.1 is outside the service CIDR 10.96.0.0/29 (--service-cidr); leave vip out to get a free address',
      'Service steals: vip: 10.96.0.1 is already the VIP of service "kept"; each service needs its own (leave vip out to get a free address)',
      'Service twin2: vip: 10.96.0.4 is already the VIP of service "twin1"; each service needs its own (leave vip out to get a free address)',
    ]);
  });

  test('an exhausted CIDR names every service left without an address, and assigns nothing', () => {
    const next = meshOf(...['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) => service(n)));
    const before = structuredClone(next);
    expect(problemsOf(() => assignServiceVips(emptyMesh(), next, CIDR))).toEqual([
      'Service g: vip: the service CIDR 10.96.0.0/29 (--service-cidr) has no free address left: all 6 are VIPs of other services',
      'Service h: vip: the service CIDR 10.96.0.0/29 (--service-cidr) has no free address left: all 6 are VIPs of other services',
    ]);
    expect(next).toEqual(before);
  });

  test('a kept VIP outside a changed CIDR is replaced; an explicit one is refused', () => {
    const previous = meshOf(service('a', { vip: '10.96.0.1' }));
    expect(vips(assignServiceVips(previous, meshOf(service('a')), '10.100.0.0/24'))).toEqual({ a: '10.100.0.1' });
    expect(() => assignServiceVips(previous, previous, '10.100.0.0/24')).toThrow(/10.96.0.1 is outside the service CIDR 10.100.0.0\/24/);
  });

  test.each(['10.96.0.1/16', '10.96.0.0/31', 'fd00::/64', '10.96.0.0', 'nope'])('refuses the service CIDR %s, naming the flag', (cidr) => {
    expect(problemsOf(() => assignServiceVips(emptyMesh(), meshOf(service('a')), cidr))).toEqual([
      `--service-cidr: : ${JSON.stringify(cidr)} is not an IPv4 CIDR with its host bits zero and room for services (/30 or shorter), such as ${DEFAULT_SERVICE_CIDR}`,
    ]);
  });

  test('a large CIDR assigns thousands of services quickly', () => {
    const many = meshOf(...Array.from({ length: 5000 }, (_, i) => service(`svc-${String(i).padStart(4, '0')}`)));
    const next = assignServiceVips(emptyMesh(), many, DEFAULT_SERVICE_CIDR);
    expect(new Set(Object.values(vips(next))).size).toBe(5000);
    expect(next.services['svc-4999'].vip).toBe('10.96.19.136');
  });
});

describe('checkServiceCidr', () => {
  const network = (name: string, cidr: string): Network => ({ kind: 'Network', name, cidr, vni: name.length });
  const withNetworks = (...nets: Network[]): Mesh => ({ ...emptyMesh(), networks: Object.fromEntries(nets.map((n) => [n.name, n])) });

  test('passes when no network overlaps the service CIDR', () => {
    expect(() => checkServiceCidr(withNetworks(network('blue', '10.0.0.0/16'), network('red', '10.97.0.0/16')), DEFAULT_SERVICE_CIDR)).not.toThrow();
  });

  test('names every network inside, around or equal to the service CIDR', () => {
    const mesh = withNetworks(network('inside', '10.96.4.0/24'), network('around', '10.0.0.0/8'), network('same', '10.96.0.0/16'), network('apart', '192.168.0.0/16'));
    expect(problemsOf(() => checkServiceCidr(mesh, DEFAULT_SERVICE_CIDR))).toEqual([
      'Network around: cidr: 10.0.0.0/8 overlaps the service CIDR 10.96.0.0/16 (--service-cidr); networks and service VIPs need separate ranges',
      'Network inside: cidr: 10.96.4.0/24 overlaps the service CIDR 10.96.0.0/16 (--service-cidr); networks and service VIPs need separate ranges',
      'Network same: cidr: 10.96.0.0/16 overlaps the service CIDR 10.96.0.0/16 (--service-cidr); networks and service VIPs need separate ranges',
    ]);
  });
});
