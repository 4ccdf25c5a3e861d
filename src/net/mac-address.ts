/**
 * Ethernet addresses of pod interfaces, always lowercase colon form so one MAC has one
 * spelling in every index. Pure, no I/O.
 */

const MAC_TEXT = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

export type MacProblem = 'syntax' | 'multicast' | 'zero';

/** `0A-58-…` or `0a:58:…` → `0a:58:…`, or why the text is not a MAC a pod can use. */
export function normalizeMac(text: string): { mac: string } | { problem: MacProblem } {
  if (!MAC_TEXT.test(text)) return { problem: 'syntax' };
  const mac = text.toLowerCase().replaceAll('-', ':');
  // The I/G bit: a multicast (or broadcast) address cannot be an interface's own.
  if (parseInt(mac.slice(0, 2), 16) & 1) return { problem: 'multicast' };
  if (mac === '00:00:00:00:00:00') return { problem: 'zero' };
  return { mac };
}

/**
 * The MAC Loom gives an address nobody chose a MAC for: `0a:58:` and the address's low
 * 32 bits (all of an IPv4 address), as ovn-kubernetes does. `0a` is locally administered
 * unicast, so it never collides with a vendor's MAC; and an IP has the same MAC wherever
 * and whenever it is handed out, so a pod re-added with its IP (a move) keeps its MAC and
 * its neighbours' ARP caches stay right. Each network is its own L2 domain, so networks
 * with overlapping CIDRs may repeat a MAC.
 */
export function generatedMac(address: bigint): string {
  const low = Number(address & 0xffffffffn);
  const bytes = [0x0a, 0x58, low >>> 24, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
