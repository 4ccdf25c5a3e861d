import type { MaskableNumber } from '../../openflow/codec';
import type { PortRange } from '../../../src/model/security-group';

/**
 * Port ranges as the fewest masked `tp_dst` matches that cover exactly them: OpenFlow
 * matches a port under a bit mask, not a range, so 8000-8080 becomes 8000/0xffe0 (8000-8031),
 * 8032/0xfff0, 8064/0xfff0 (…-8079) and 8080. Ranges are merged first (80 and 81 are one
 * match, 80/0xfffe). A range of n ports needs at most 2·log2(n) matches; one port, one.
 */
export function portPrefixes(ranges: readonly PortRange[]): MaskableNumber[] {
  const out: MaskableNumber[] = [];
  for (const { from, to } of merged(ranges)) {
    for (let lo = from; lo <= to; ) {
      // The largest block that starts at lo (aligned to its size) and ends by `to`.
      let size = lo === 0 ? 0x10000 : lo & -lo;
      while (lo + size - 1 > to) size /= 2;
      out.push(size === 1 ? lo : { value: lo, mask: 0x10000 - size });
      lo += size;
    }
  }
  return out;
}

/** Sorted, with overlapping and adjacent ranges joined. */
function merged(ranges: readonly PortRange[]): PortRange[] {
  const out: PortRange[] = [];
  for (const r of [...ranges].sort((a, b) => a.from - b.from)) {
    const last = out.at(-1);
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}
