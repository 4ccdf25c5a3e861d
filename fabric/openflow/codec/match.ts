import { OpenFlowEncodeError } from './errors';
import { FIELD_BY_NAME, type FieldSpec } from './fields';
import type { Match, RawOxm } from './match-types';
import { readEntry, writeEntry, writeRaw } from './oxm';
import type { Reader } from './reader';
import type { Writer } from './writer';

/**
 * `ofp_match`: type OFPMT_OXM, a length that excludes the trailing padding, the entries,
 * then zeros up to a multiple of 8 bytes.
 */

const OFPMT_OXM = 1;

/** Fields of one match in encoding order; reused because encoding is synchronous. */
const present: FieldSpec[] = [];

export function writeMatch(w: Writer, match: Match | undefined, what = 'match'): void {
  const start = w.pos;
  w.u16(OFPMT_OXM, what);
  w.u16(0, what);
  if (match !== undefined) {
    if (typeof match !== 'object' || match === null) throw new OpenFlowEncodeError(what, 'expected a match object');
    present.length = 0;
    for (const key in match) {
      if (key === 'other' || (match as Record<string, unknown>)[key] === undefined) continue;
      const spec = FIELD_BY_NAME.get(key);
      if (!spec) throw new OpenFlowEncodeError(`${what}.${key}`, 'unknown match field');
      let i = present.length;
      present.push(spec);
      while (i > 0 && present[i - 1].order > spec.order) {
        present[i] = present[i - 1];
        i--;
      }
      present[i] = spec;
    }
    for (const spec of present) {
      if (spec.prereq && !spec.prereq.ok(match)) {
        throw new OpenFlowEncodeError(`${what}.${spec.name}`, `requires ${spec.prereq.needs}`);
      }
    }
    for (const spec of present) {
      writeEntry(w, spec, spec.header, (match as Record<string, unknown>)[spec.name], `${what}.${spec.name}`);
    }
    if (match.other) for (const raw of match.other) writeRaw(w, raw, `${what}.other`);
  }
  w.patch16(start + 2, w.pos - start, what);
  w.pad8(start);
}

export function readMatch(r: Reader): Match {
  const at = r.pos;
  const type = r.u16('match type');
  if (type !== OFPMT_OXM) r.failAt(at, 'match type 1 (OFPMT_OXM)', `${type}`);
  const length = r.u16('match length');
  if (length < 4) r.failAt(at + 2, 'match length of at least 4', `${length}`);
  const outer = r.enter(length - 4, 'match');
  const match: Match = {};
  let other: RawOxm[] | undefined;
  while (r.pos < r.end) {
    const entryAt = r.pos;
    const entry = readEntry(r);
    if (entry.spec === null) {
      (other ??= []).push(entry.raw);
      continue;
    }
    const m = match as Record<string, unknown>;
    if (m[entry.spec.name] !== undefined) r.failAt(entryAt, `${entry.spec.name} at most once`);
    m[entry.spec.name] = entry.value;
  }
  r.leave(outer, 'match');
  if (other) match.other = other;
  r.skip(((length + 7) & ~7) - length, 'match padding');
  return match;
}
