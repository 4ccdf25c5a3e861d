import { OfpType, writeMessage, Writer, type FlowModInput } from '../codec';
import { describeFlow } from './describe';
import { DuplicateFlowError, InvalidFlowError } from './errors';
import type { CookieSpace } from './flow-cookie';
import { flowHash, murmur3 } from './flow-hash';
import { HashIndex } from './hash-index';
import type { Outgoing } from './outgoing';

/**
 * A flow as desired state: what `ovs-ofctl add-flow` takes, less the cookie (FlowSync
 * assigns it) and the fields that only matter to modify and delete. Meant to be permanent:
 * a flow that times out is put back at the next check.
 */
export type Flow = Pick<FlowModInput, 'tableId' | 'priority' | 'match' | 'instructions' | 'idleTimeout' | 'hardTimeout' | 'flags'>;

/** Offsets in an encoded ofp_flow_mod. */
const COOKIE_AT = 8;
const TABLE_AT = 24;
const PRIORITY_AT = 30;
const MATCH_AT = 48;

/**
 * One switch's desired flows, encoded once: every flow as the FLOW_MOD (add) that installs
 * it, with its cookie, all in one buffer. Building it checks the whole set before anything
 * is sent: a flow that cannot be encoded, or two flows OpenFlow would treat as one (same
 * table, priority and match), reject the set.
 */
export class DesiredFlows {
  private byFlow: Map<Flow, number> | undefined;

  private constructor(
    readonly flows: readonly Flow[],
    private readonly space: CookieSpace,
    private readonly bytes: Buffer,
    private readonly offsets: Uint32Array,
    /** Each flow's cookie hash part (see CookieSpace). */
    readonly hashes: Float64Array,
    /** 1 where a collision made the hash part salted. */
    private readonly salted: Uint8Array,
    /** Hash part → position. */
    readonly index: HashIndex,
  ) {}

  /**
   * `previous`: an earlier set of the same cookie space, whose flows that come again as the
   * very same objects are copied rather than encoded and hashed again. Flows are treated as
   * immutable: the controller, which hands every host's unchanged flows again on every
   * change, pays for what changed.
   */
  static build(flows: readonly Flow[], space: CookieSpace, previous?: DesiredFlows): DesiredFlows {
    const n = flows.length;
    const w = new Writer(Math.max(1024, n * 160));
    const offsets = new Uint32Array(n + 1);
    const hashes = new Float64Array(n);
    const byHash = new HashIndex(n);
    const keys = new FlowKeys(w, offsets);
    const salted = new Uint8Array(n);
    const earlier = previous?.space === space ? previous : undefined;
    const positions = earlier?.positions();
    for (let i = 0; i < n; i++) {
      const start = w.pos;
      const f = flows[i];
      const j = positions?.get(f);
      if (j !== undefined) {
        w.bytes(earlier!.bytes.subarray(earlier!.offsets[j], earlier!.offsets[j + 1]), 'flow');
        // Copied with its cookie; what a fresh build would hash is the flow without one.
        if (earlier!.salted[j] !== 0) w.buf.fill(0, start + COOKIE_AT, start + COOKIE_AT + 8);
      } else {
        try {
          // Field by field rather than spread: only a Flow's fields, and an object the encoder reads fast.
          writeMessage(w, { type: 'flow_mod', xid: 0, command: 'add', cookie: 0n, tableId: f.tableId, priority: f.priority, match: f.match, instructions: f.instructions, idleTimeout: f.idleTimeout, hardTimeout: f.hardTimeout, flags: f.flags });
        } catch (err) {
          throw new InvalidFlowError(i, f, err);
        }
      }
      offsets[i + 1] = w.pos;
      const same = keys.add(i);
      if (same !== undefined) throw new DuplicateFlowError(same, i, describeFlow(f));
      // A copied flow keeps its unsalted hash, and the cookie it carries (the same bytes hash the same); a salted one is hashed afresh, so the result never depends on `previous`.
      const kept = j !== undefined && earlier!.salted[j] === 0;
      let h = kept ? earlier!.hashes[j] : flowHash(w.buf, start, w.pos, space.hashBits);
      // Two different flows with one hash part: rehash deterministically, so both keep a cookie.
      if (byHash.addUnless(h, i, () => true) >= 0) {
        if (kept) w.buf.fill(0, start + COOKIE_AT, start + COOKIE_AT + 8);
        let salt = 1;
        do h = flowHash(w.buf, start, w.pos, space.hashBits, salt++);
        while (byHash.addUnless(h, i, () => true) >= 0);
        salted[i] = 1;
      }
      if (!kept || salted[i]) space.writeCookie(w.buf, start + COOKIE_AT, h);
      hashes[i] = h;
    }
    return new DesiredFlows(flows, space, w.buf.subarray(0, w.pos), offsets, hashes, salted, byHash);
  }

  /** Flow → its position, for a later build that gets some of the same flows again. */
  private positions(): Map<Flow, number> {
    this.byFlow ??= new Map(this.flows.map((f, i) => [f, i]));
    return this.byFlow;
  }

  get size(): number {
    return this.hashes.length;
  }

  /** The position of the flow with this cookie hash part, or -1. */
  indexOf(hashPart: number): number {
    return this.index.get(hashPart);
  }

  /** Every flow's cookie, in order. */
  cookies(): bigint[] {
    return Array.from(this.hashes, (h) => this.space.cookie(h));
  }

  /** The FLOW_MOD that adds flow `i`, as already-encoded bytes. */
  addMessage(i: number): Outgoing {
    return { type: 'raw', msgType: OfpType.FLOW_MOD, body: this.bytes.subarray(this.offsets[i] + 8, this.offsets[i + 1]) };
  }
}

/**
 * Finds flows with the same table, priority and match among encoded FLOW_MODs: indexed by
 * a hash of those bytes, equal hashes compared byte for byte.
 */
class FlowKeys {
  private readonly byHash: HashIndex;

  constructor(
    private readonly w: Writer,
    private readonly offsets: Uint32Array,
  ) {
    this.byHash = new HashIndex(offsets.length - 1);
  }

  /** Records flow `i` (encoded at offsets[i]); returns the index of an earlier flow with the same key. */
  add(i: number): number | undefined {
    const b = this.w.buf;
    const start = this.offsets[i];
    const h = murmur3(b, start + MATCH_AT, this.matchEnd(start), (b[start + TABLE_AT] << 16) | b.readUInt16BE(start + PRIORITY_AT));
    const same = this.byHash.addUnless(h, i, (j) => this.sameKey(this.offsets[j], start));
    return same < 0 ? undefined : same;
  }

  private matchEnd(start: number): number {
    return start + MATCH_AT + ((this.w.buf.readUInt16BE(start + MATCH_AT + 2) + 7) & ~7);
  }

  private sameKey(a: number, b: number): boolean {
    const buf = this.w.buf;
    if (buf[a + TABLE_AT] !== buf[b + TABLE_AT] || buf.readUInt16BE(a + PRIORITY_AT) !== buf.readUInt16BE(b + PRIORITY_AT)) return false;
    return buf.compare(buf, b + MATCH_AT, this.matchEnd(b), a + MATCH_AT, this.matchEnd(a)) === 0;
  }
}
