import fc from 'fast-check';
import { formatIp, generatedMac, normalizeMac, parseCidr, parseIp, PoolLayout } from '../../../fabric/ipam';

describe('parseIp / formatIp', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1', 0x0a000001n],
    ['255.255.255.255', '255.255.255.255', 0xffffffffn],
    ['::', '::', 0n],
    ['::1', '::1', 1n],
    ['1::', '1::', 1n << 112n],
    ['2001:DB8::A', '2001:db8::a', 0x20010db800000000000000000000000an],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 0x20010db8000000000001000000000001n],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3', 0x00010000000000020000000000000003n],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8', 0x00010002000300040005000600070008n],
    ['1:0:3:4:5:6:7:8', '1:0:3:4:5:6:7:8', 0x00010000000300040005000600070008n],
    ['::ffff:1.2.3.4', '::ffff:102:304', 0xffff01020304n],
    ['1::2:3.4.5.6', '1::2:304:506', (1n << 112n) | 0x000203040506n],
  ])('%s is %s', (text, canonical, value) => {
    const ip = parseIp(text);
    expect(ip).toEqual({ family: text.includes(':') ? 6 : 4, value });
    expect(formatIp(ip!)).toBe(canonical);
  });

  it.each(['', '10.0.0', '10.0.0.256', '010.0.0.1', ' 10.0.0.1', 'fe80::1%eth0', '1:::2', '1:2:3:4:5:6:7:8:9', 'banana'])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it('round-trips every address through its canonical text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }).map((value) => ({ family: 4 as const, value })), fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map((value) => ({ family: 6 as const, value }))), (ip) => {
        expect(parseIp(formatIp(ip))).toEqual(ip);
      }),
    );
  });

  it('parses CIDRs, leaving host bits to the caller', () => {
    expect(parseCidr('10.0.0.1/24')).toEqual({ address: { family: 4, value: 0x0a000001n }, prefixLength: 24 });
    expect(parseCidr('fd00::/128')).toMatchObject({ prefixLength: 128 });
    for (const bad of ['10.0.0.0/33', 'fd00::/129', '10.0.0.0', '10.0.0.0/', '/24', '10.0.0.0/24/1']) expect(parseCidr(bad)).toBeUndefined();
  });
});

describe('MACs', () => {
  it.each([
    ['0A:58:0a:00:00:05', { mac: '0a:58:0a:00:00:05' }],
    ['02-ab-CD-00-00-01', { mac: '02:ab:cd:00:00:01' }],
    ['02:ab-cd:00:00:01', { problem: 'syntax' }],
    ['0a:58:0a:00:00', { problem: 'syntax' }],
    ['0a580a000005', { problem: 'syntax' }],
    ['ff:ff:ff:ff:ff:ff', { problem: 'multicast' }],
    ['33:33:00:00:00:01', { problem: 'multicast' }],
    ['00:00:00:00:00:00', { problem: 'zero' }],
  ])('%s → %j', (text, expected) => {
    expect(normalizeMac(text)).toEqual(expected);
  });

  it('derives 0a:58 and the low 32 bits of the address', () => {
    expect(generatedMac(parseIp('10.244.0.5')!.value)).toBe('0a:58:0a:f4:00:05');
    expect(generatedMac(parseIp('fd00::c0a8:102')!.value)).toBe('0a:58:c0:a8:01:02');
  });
});

describe('PoolLayout', () => {
  it.each([
    { cidr: '10.0.0.0/24', excluded: [[0n, 'network address'], [255n, 'broadcast address']], assignable: 254 },
    { cidr: '10.0.0.0/31', excluded: [], assignable: 2 },
    { cidr: '10.0.0.9/32', excluded: [], assignable: 1 },
    { cidr: 'fd00::/120', excluded: [[0n, 'subnet-router anycast address']], assignable: 255 },
    { cidr: 'fd00::/127', excluded: [], assignable: 2 },
    { cidr: 'fd00::/64', excluded: [[0n, 'subnet-router anycast address']], assignable: 2 ** 32 - 1 },
  ])('$cidr keeps out $excluded and hands out $assignable', ({ cidr, excluded, assignable }) => {
    const layout = PoolLayout.fromSpec({ network: 'n', cidr });
    expect([...layout.excluded]).toEqual(excluded);
    expect(layout.assignable).toBe(assignable);
  });

  it('normalizes the spec, so equal pools have equal keys however they were written', () => {
    const a = PoolLayout.fromSpec({ network: 'n', cidr: 'FD00:0:0::/64', gateway: 'fd00::0:1', reserved: ['fd00::9', 'fd00::3', 'fd00::09'] });
    const b = PoolLayout.fromSpec({ network: 'n', cidr: 'fd00::/64', gateway: 'fd00::1', reserved: ['fd00::3', 'fd00::9'] });
    expect(a.key).toBe(b.key);
    expect(a.spec).toEqual({ network: 'n', cidr: 'fd00::/64', gateway: 'fd00::1', reserved: ['fd00::3', 'fd00::9'] });
    expect(PoolLayout.fromKey(a.key).key).toBe(a.key);
    expect(a.searchExcluded).toEqual([0, 1, 3, 9]);
  });

  it('converts between static IPs and offsets', () => {
    const layout = PoolLayout.fromSpec({ network: 'n', cidr: '192.168.4.0/22', gateway: '192.168.4.1' });
    expect(layout.offsetOf('192.168.5.10')).toBe(266n);
    expect(layout.ipAt(266n)).toBe('192.168.5.10');
    expect(layout.macAt(266n)).toBe('0a:58:c0:a8:05:0a');
  });
});
