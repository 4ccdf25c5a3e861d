import { OpenFlowEncodeError } from '../errors';
import type { Reader } from '../reader';
import type { WithDefaults } from '../types';
import type { Writer } from '../writer';

/**
 * OFPT_HELLO. `version` is the header's (the highest the sender speaks); `versions`,
 * when present, is the version bitmap element listing every version it accepts.
 * Elements of other types are skipped, as the specification asks.
 */
export interface Hello {
  type: 'hello';
  xid: number;
  version: number;
  versions?: number[];
}
export type HelloInput = WithDefaults<Hello, 'version'>;

const OFPHET_VERSIONBITMAP = 1;

export function writeHello(w: Writer, m: HelloInput): void {
  if (m.versions === undefined) return;
  if (!Array.isArray(m.versions) || m.versions.length === 0) throw new OpenFlowEncodeError('hello.versions', 'expected a non-empty array of versions');
  const words = new Array<number>((Math.max(...m.versions) >>> 5) + 1).fill(0);
  for (const v of m.versions) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new OpenFlowEncodeError('hello.versions', `${v} is not a version number 0..255`);
    words[v >>> 5] |= 1 << (v & 31);
  }
  const start = w.pos;
  w.u16(OFPHET_VERSIONBITMAP, 'hello element');
  w.u16(4 + words.length * 4, 'hello element');
  for (const word of words) w.u32(word >>> 0, 'hello.versions');
  w.pad8(start);
}

export function readHello(r: Reader, version: number, xid: number): Hello {
  const m: Hello = { type: 'hello', xid, version };
  while (r.pos < r.end) {
    const at = r.pos;
    const type = r.u16('hello element type');
    const len = r.u16('hello element length');
    if (len < 4) r.failAt(at + 2, 'hello element length of at least 4', `${len}`);
    const outer = r.enter(len - 4, 'hello element');
    if (type === OFPHET_VERSIONBITMAP) {
      if ((len - 4) % 4) r.failAt(at + 2, 'version bitmap of whole 32-bit words', `${len - 4} bytes`);
      const versions: number[] = [];
      for (let word = 0; r.pos < r.end; word++) {
        const bits = r.u32('version bitmap');
        for (let b = 0; b < 32; b++) if (bits & (1 << b)) versions.push(word * 32 + b);
      }
      m.versions = versions;
    } else {
      r.pos = r.end;
    }
    r.leave(outer, 'hello element');
    r.pos = Math.min(r.end, at + ((len + 7) & ~7));
  }
  return m;
}
