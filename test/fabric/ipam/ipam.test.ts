import {
  AddressInUseError,
  AddressMismatchError,
  InvalidAddressError,
  InvalidPoolError,
  InvalidRequestError,
  IpamClosedError,
  PoolExhaustedError,
  PoolInUseError,
  UnknownNetworkError,
  type Allocation,
  type AllocationRequest,
  type Ipam,
  type PoolSpec,
} from '../../../fabric/ipam';
import { BACKENDS, type Backend, type Cluster } from './backends';

/** The IPAM's behaviour: the same cases against every backend (memory, real Redis). */
describe.each(BACKENDS)('IPAM (%s)', (_name, makeBackend) => {
  const backend: Backend = makeBackend();
  let cluster: Cluster;
  let ipam: Ipam;
  /** Five addresses to hand out: .2 to .6. */
  const blue: PoolSpec = { network: 'blue', cidr: '10.0.0.0/29', gateway: '10.0.0.1' };

  beforeAll(() => backend.start());
  afterAll(() => backend.stop());
  beforeEach(async () => {
    cluster = backend.cluster();
    ipam = cluster.agent();
    await ipam.definePool(blue);
  });
  afterEach(() => backend.closeAgents());

  const pod = (owner: string, extra: Partial<AllocationRequest> = {}) => ipam.allocate({ network: 'blue', owner, host: 'host-a', ...extra });
  const ips = (allocations: Allocation[]) => allocations.map((a) => a.ip);

  it('hands out addresses in order, past the network address and the gateway, each with its derived MAC', async () => {
    expect(await pod('ns/a')).toEqual({ network: 'blue', owner: 'ns/a', ip: '10.0.0.2', prefixLength: 29, mac: '0a:58:0a:00:00:02', host: 'host-a', gateway: '10.0.0.1' });
    expect((await pod('ns/b')).ip).toBe('10.0.0.3');
    expect((await pod('ns/c')).mac).toBe('0a:58:0a:00:00:04');
    expect(ips(await ipam.list('blue'))).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4']);
    expect(await ipam.get('blue', 'ns/b')).toMatchObject({ owner: 'ns/b', ip: '10.0.0.3' });
    expect(await ipam.get('blue', 'ns/nobody')).toBeUndefined();
  });

  it('is idempotent per owner, from any agent', async () => {
    const first = await pod('ns/a');
    expect(await pod('ns/a')).toEqual(first);
    expect(await pod('ns/a', { ip: first.ip, mac: first.mac })).toEqual(first);
    expect(await cluster.agent().allocate({ network: 'blue', owner: 'ns/a', host: 'host-a' })).toEqual(first);
    expect(await ipam.list('blue')).toEqual([first]);
  });

  it("keeps IP and MAC when the pod moves to another host; the old host's late DEL frees nothing", async () => {
    const onA = await pod('ns/mover');
    const hostB = cluster.agent();
    const onB = await hostB.allocate({ network: 'blue', owner: 'ns/mover', host: 'host-b' });
    expect(onB).toEqual({ ...onA, host: 'host-b' });
    expect(await ipam.get('blue', 'ns/mover')).toEqual(onB);
    expect(await ipam.release('blue', 'ns/mover', { host: 'host-a' })).toBeUndefined();
    expect(await ipam.get('blue', 'ns/mover')).toEqual(onB);
    expect(await hostB.release('blue', 'ns/mover', { host: 'host-b' })).toEqual(onB);
    expect(await ipam.list('blue')).toEqual([]);
  });

  it('gives a pod released on one host its IP and MAC back when re-added elsewhere with IP= and MAC=', async () => {
    await pod('ns/filler');
    const before = await pod('ns/mover', { mac: '02:00:00:00:00:07' });
    await ipam.release('blue', 'ns/mover', { host: 'host-a' });
    const after = await cluster.agent().allocate({ network: 'blue', owner: 'ns/mover', host: 'host-b', ip: before.ip, mac: before.mac });
    expect(after).toEqual({ ...before, host: 'host-b' });
  });

  it('grants a static IP with its derived MAC, a static MAC (normalized) with the next IP, and both', async () => {
    expect(await pod('ns/static-ip', { ip: '10.0.0.5' })).toMatchObject({ ip: '10.0.0.5', mac: '0a:58:0a:00:00:05' });
    expect(await pod('ns/static-mac', { mac: '02-AB-cd-00-00-01' })).toMatchObject({ ip: '10.0.0.2', mac: '02:ab:cd:00:00:01' });
    expect(await pod('ns/both', { ip: '10.0.0.6', mac: '02:ab:cd:00:00:02' })).toMatchObject({ ip: '10.0.0.6', mac: '02:ab:cd:00:00:02' });
    // The search steps over the static addresses.
    expect(ips([await pod('ns/d'), await pod('ns/e')])).toEqual(['10.0.0.3', '10.0.0.4']);
  });

  it('refuses a duplicate static IP or MAC, naming the owner, and stores nothing', async () => {
    await pod('ns/first', { ip: '10.0.0.4', mac: '02:00:00:00:00:01' });
    const before = await ipam.list('blue');
    const ipClash = pod('ns/second', { ip: '10.0.0.4' });
    await expect(ipClash).rejects.toThrow(AddressInUseError);
    await expect(ipClash).rejects.toThrow('network "blue": duplicate static IP: 10.0.0.4 is already allocated to "ns/first"; request a free IP, or none to get one assigned');
    await expect(ipClash).rejects.toMatchObject({ network: 'blue', kind: 'IP', address: '10.0.0.4', owner: 'ns/first' });
    await expect(pod('ns/second', { mac: '02:00:00:00:00:01' })).rejects.toMatchObject({ kind: 'MAC', address: '02:00:00:00:00:01', owner: 'ns/first' });
    expect(await ipam.list('blue')).toEqual(before);
    expect(await ipam.get('blue', 'ns/second')).toBeUndefined();
    // Nothing half-claimed either: the second pod's next plain request gets the first free address.
    expect((await pod('ns/second')).ip).toBe('10.0.0.2');
  });

  it("refuses a static IP whose derived MAC another pod holds as its static MAC, and skips that IP when searching", async () => {
    await pod('ns/mac-squatter', { ip: '10.0.0.6', mac: '0a:58:0a:00:00:02' });
    await expect(pod('ns/wants-2', { ip: '10.0.0.2' })).rejects.toThrow(
      'network "blue": static IP 10.0.0.2 would get MAC 0a:58:0a:00:00:02, which "ns/mac-squatter" already holds as its static MAC; request another MAC along with the IP',
    );
    expect(await pod('ns/wants-2', { ip: '10.0.0.2', mac: '02:00:00:00:00:02' })).toMatchObject({ ip: '10.0.0.2' });
    await ipam.release('blue', 'ns/wants-2');
    expect((await pod('ns/dynamic')).ip).toBe('10.0.0.3');
  });

  it('refuses static addresses that differ from what the owner already holds, naming both', async () => {
    await pod('ns/a', { mac: '02:00:00:00:00:0a' });
    await expect(pod('ns/a', { ip: '10.0.0.5' })).rejects.toThrow(AddressMismatchError);
    await expect(pod('ns/a', { ip: '10.0.0.5' })).rejects.toThrow('network "blue": "ns/a" already holds IP 10.0.0.2, not the requested 10.0.0.5; request 10.0.0.2 (or no IP), or release the allocation (CNI DEL) before asking for another');
    await expect(pod('ns/a', { mac: '02:00:00:00:00:0b' })).rejects.toMatchObject({ kind: 'MAC', held: '02:00:00:00:00:0a', requested: '02:00:00:00:00:0b' });
    expect(await ipam.list('blue')).toMatchObject([{ owner: 'ns/a', ip: '10.0.0.2', mac: '02:00:00:00:00:0a' }]);
  });

  it.each([
    { request: { ip: '10.0.1.5' }, message: 'static IP "10.0.1.5": outside 10.0.0.0/29; accepted: an IPv4 address in 10.0.0.0/29 except the network address, the broadcast address, the gateway 10.0.0.1' },
    { request: { ip: '10.0.0.0' }, message: 'static IP "10.0.0.0": is the network address of the pool' },
    { request: { ip: '10.0.0.7' }, message: 'static IP "10.0.0.7": is the broadcast address of the pool' },
    { request: { ip: '10.0.0.1' }, message: 'static IP "10.0.0.1": is the gateway of the pool' },
    { request: { ip: '10.0.0.256' }, message: 'static IP "10.0.0.256": not an IPv4 or IPv6 address' },
    { request: { ip: '010.0.0.2' }, message: 'static IP "010.0.0.2": not an IPv4 or IPv6 address' },
    { request: { ip: 'fd00::2' }, message: 'static IP "fd00::2": outside 10.0.0.0/29' },
    { request: { mac: '0a:58:0a:00:00' }, message: 'static MAC "0a:58:0a:00:00": not a MAC address; accepted: a unicast MAC such as 0a:58:0a:f4:00:05 (colon- or hyphen-separated)' },
    { request: { mac: '01:00:5e:00:00:01' }, message: 'static MAC "01:00:5e:00:00:01": is a multicast address (the lowest bit of its first byte is set)' },
    { request: { mac: '00:00:00:00:00:00' }, message: 'static MAC "00:00:00:00:00:00": is the all-zero address' },
  ])('refuses static $request, which the pool never hands out', async ({ message, request }) => {
    const refused = pod('ns/bad', request);
    await expect(refused).rejects.toThrow(InvalidAddressError);
    await expect(refused).rejects.toThrow(`network "blue": ${message}`);
    expect(await ipam.list('blue')).toEqual([]);
  });

  it('refuses reserved addresses, statically and when searching', async () => {
    await ipam.definePool({ network: 'red', cidr: '10.0.0.0/29', reserved: ['10.0.0.1', '10.0.0.3'] });
    const red = (owner: string, ip?: string) => ipam.allocate({ network: 'red', owner, host: 'h', ip });
    await expect(red('ns/r', '10.0.0.3')).rejects.toThrow('network "red": static IP "10.0.0.3": is the reserved address of the pool; accepted: an IPv4 address in 10.0.0.0/29 except the network address, the broadcast address, 2 reserved address(es)');
    expect(ips([await red('ns/a'), await red('ns/b'), await red('ns/c')])).toEqual(['10.0.0.2', '10.0.0.4', '10.0.0.5']);
  });

  it('reports an exhausted pool with its size, leaks nothing, and has room again after a release', async () => {
    const five = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((p) => pod(`ns/${p}`)));
    expect(ips(five).sort()).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    const sixth = pod('ns/f');
    await expect(sixth).rejects.toThrow(PoolExhaustedError);
    await expect(sixth).rejects.toThrow('network "blue" (10.0.0.0/29): exhausted pool: all 5 assignable addresses are allocated; release some, or give the network a larger CIDR');
    await expect(sixth).rejects.toMatchObject({ network: 'blue', cidr: '10.0.0.0/29', size: 5 });
    expect(await ipam.list('blue')).toHaveLength(5);
    expect(await ipam.get('blue', 'ns/f')).toBeUndefined();
    const freed = await ipam.release('blue', 'ns/c');
    expect(await pod('ns/f')).toMatchObject({ ip: freed!.ip, mac: freed!.mac });
    await expect(pod('ns/g')).rejects.toThrow(PoolExhaustedError);
  });

  it('reuses a freed address last: the search goes on from where it stopped', async () => {
    await pod('ns/a');
    await pod('ns/b');
    await ipam.release('blue', 'ns/a');
    expect(ips([await pod('ns/c'), await pod('ns/d'), await pod('ns/e'), await pod('ns/f')])).toEqual(['10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.2']);
  });

  it('releases idempotently, and a DEL for an unknown network succeeds', async () => {
    const a = await pod('ns/a');
    expect(await ipam.release('blue', 'ns/a')).toEqual(a);
    expect(await ipam.release('blue', 'ns/a')).toBeUndefined();
    expect(await ipam.release('blue', 'ns/never')).toBeUndefined();
    expect(await ipam.release('no-such-net', 'ns/a')).toBeUndefined();
    expect(await ipam.list('blue')).toEqual([]);
  });

  it('garbage-collects exactly the allocations whose owner is gone, optionally on one host only', async () => {
    await pod('ns/live');
    const deadA = await pod('ns/dead-a');
    const deadB = await pod('ns/dead-b', { host: 'host-b' });
    await pod('ns/dead-c', { host: 'host-b' });
    const live = new Set(['ns/live', 'ns/unrelated']);
    expect(await ipam.gc('blue', live, { host: 'host-a' })).toEqual([deadA]);
    expect((await ipam.gc('blue', new Set([...live, 'ns/dead-c']))).map((a) => a.owner)).toEqual([deadB.owner]);
    expect((await ipam.list('blue')).map((a) => a.owner)).toEqual(['ns/live', 'ns/dead-c']);
    expect(await ipam.gc('blue', new Set(['ns/live', 'ns/dead-c']))).toEqual([]);
  });

  it('keeps networks with overlapping CIDRs independent', async () => {
    await ipam.definePool({ network: 'green', cidr: '10.0.0.0/29', gateway: '10.0.0.1' });
    const inBlue = await pod('ns/a');
    const inGreen = await ipam.allocate({ network: 'green', owner: 'ns/b', host: 'host-a' });
    expect([inBlue.ip, inGreen.ip]).toEqual(['10.0.0.2', '10.0.0.2']);
    expect(await ipam.allocate({ network: 'green', owner: 'ns/a', host: 'host-a', ip: '10.0.0.3' })).toMatchObject({ network: 'green', ip: '10.0.0.3' });
    await ipam.release('green', 'ns/b');
    expect(await ipam.list('blue')).toEqual([inBlue]);
    expect(ips(await ipam.list('green'))).toEqual(['10.0.0.3']);
  });

  it('refuses a network without a pool, except for a release', async () => {
    const message = 'network "purple" has no address pool; define the Network (with its CIDR) before attaching pods to it';
    await expect(ipam.allocate({ network: 'purple', owner: 'ns/a', host: 'h' })).rejects.toThrow(UnknownNetworkError);
    await expect(ipam.allocate({ network: 'purple', owner: 'ns/a', host: 'h' })).rejects.toThrow(message);
    await expect(ipam.get('purple', 'ns/a')).rejects.toThrow(message);
    await expect(ipam.list('purple')).rejects.toThrow(message);
    await expect(ipam.gc('purple', new Set())).rejects.toThrow(message);
  });

  it.each([
    { field: 'network', request: { network: '' } },
    { field: 'owner', request: { owner: '' } },
    { field: 'host', request: { host: '' } },
  ])('refuses an empty $field', async ({ field, request }) => {
    await expect(ipam.allocate({ network: 'blue', owner: 'ns/a', host: 'h', ...request })).rejects.toThrow(new InvalidRequestError(field as 'owner', ''));
  });

  it('defines the same pool again without effect, refuses a different one while addresses are allocated, and replaces it once empty', async () => {
    const other = cluster.agent();
    await ipam.definePool({ ...blue, reserved: [] });
    const a = await other.allocate({ network: 'blue', owner: 'ns/a', host: 'h' });
    const bigger = { network: 'blue', cidr: '10.1.0.0/24', gateway: '10.1.0.1', reserved: ['10.1.0.2'] };
    await expect(ipam.definePool(bigger)).rejects.toThrow(PoolInUseError);
    await expect(ipam.definePool(bigger)).rejects.toThrow(
      'network "blue": cannot change its pool from 10.0.0.0/29 (gateway 10.0.0.1) to 10.1.0.0/24 (gateway 10.1.0.1; reserved 10.1.0.2) while 1 address(es) are allocated in it; release them first, or define the same pool again',
    );
    expect(await other.list('blue')).toEqual([a]);
    await other.release('blue', 'ns/a');
    await ipam.definePool(bigger);
    // The other agent still has the old pool in mind; it notices the change.
    expect(await other.allocate({ network: 'blue', owner: 'ns/b', host: 'h' })).toMatchObject({ ip: '10.1.0.3', prefixLength: 24, gateway: '10.1.0.1', mac: '0a:58:0a:01:00:03' });
  });

  it('allocates from an IPv6 pool: not the subnet-router anycast address, MACs from the low 32 bits', async () => {
    await ipam.definePool({ network: 'v6', cidr: 'fd00:10::/64', gateway: 'fd00:10::1' });
    const v6 = (owner: string, ip?: string) => ipam.allocate({ network: 'v6', owner, host: 'h', ip });
    expect(await v6('ns/a')).toEqual({ network: 'v6', owner: 'ns/a', ip: 'fd00:10::2', prefixLength: 64, mac: '0a:58:00:00:00:02', host: 'h', gateway: 'fd00:10::1' });
    expect(await v6('ns/far', 'FD00:10:0:0:ffff:ffff:ffff:fffe')).toMatchObject({ ip: 'fd00:10::ffff:ffff:ffff:fffe', mac: '0a:58:ff:ff:ff:fe' });
    await expect(v6('ns/dup', 'fd00:10::ffff:ffff:ffff:fffe')).rejects.toThrow('duplicate static IP: fd00:10::ffff:ffff:ffff:fffe is already allocated to "ns/far"');
    await expect(v6('ns/anycast', 'fd00:10::')).rejects.toThrow('static IP "fd00:10::": is the subnet-router anycast address of the pool');
    expect(ips(await ipam.list('v6'))).toEqual(['fd00:10::2', 'fd00:10::ffff:ffff:ffff:fffe']);
  });

  it('refuses to work once closed', async () => {
    await ipam.close();
    await ipam.close();
    await expect(pod('ns/a')).rejects.toThrow(IpamClosedError);
    for (const call of [() => ipam.get('blue', 'ns/a'), () => ipam.list('blue'), () => ipam.release('blue', 'ns/a'), () => ipam.gc('blue', new Set()), () => ipam.definePool(blue)]) {
      await expect(call()).rejects.toThrow('the IPAM has been closed');
    }
  });

  it.each([
    { spec: { cidr: '10.0.0.0' }, message: 'network "pool": cidr "10.0.0.0": expected ADDRESS/PREFIX such as 10.244.0.0/16 or fd00:10::/64' },
    { spec: { cidr: '10.0.0.0/33' }, message: 'cidr "10.0.0.0/33": expected ADDRESS/PREFIX' },
    { spec: { cidr: '10.0.0.1/24' }, message: 'network "pool": cidr "10.0.0.1/24": host bits are set; did you mean 10.0.0.0/24?' },
    { spec: { cidr: '10.0.0.0/24', gateway: '10.0.1.1' }, message: 'network "pool": gateway "10.0.1.1": outside 10.0.0.0/24' },
    { spec: { cidr: '10.0.0.0/24', gateway: '10.0.0.255' }, message: 'gateway "10.0.0.255": is the broadcast address of 10.0.0.0/24; expected a host address in it' },
    { spec: { cidr: '10.0.0.0/24', gateway: 'gw' }, message: 'gateway "gw": expected an IPv4 address in 10.0.0.0/24' },
    { spec: { cidr: '10.0.0.0/24', reserved: ['10.0.0.9', 'fd00::1'] }, message: 'reserved "fd00::1": outside 10.0.0.0/24' },
    { spec: { cidr: '10.0.0.4/32', gateway: '10.0.0.4' }, message: 'cidr "10.0.0.4/32": leaves no address to hand out once the gateway and reserved addresses are taken out' },
    { spec: { network: '', cidr: '10.0.0.0/24' }, message: 'network name "": expected a non-empty network name' },
  ])('refuses pool $spec.cidr ($message)', async ({ spec, message }) => {
    const defined = ipam.definePool({ network: 'pool', ...spec });
    await expect(defined).rejects.toThrow(InvalidPoolError);
    await expect(defined).rejects.toThrow(message);
    await expect(ipam.list('pool')).rejects.toThrow(UnknownNetworkError);
  });
});
