import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import Redis from 'ioredis';
import { describeCause } from '../../../src/errors';
import { rootLogger, type Logger } from '../../../src/log';
import { InvalidOptionError } from './errors';
import type { LeaderElection } from './leader-election';

export interface RedisLeaseElectionOptions {
  /** `redis://host:port/db`; the election opens its own connection and quits it on `close()`. */
  url?: string;
  /** A connection to share instead; `close()` leaves it open. */
  client?: Redis;
  /** The lease key, shared by all candidates (e.g. `loom:controller:leader`); the term counter is `<key>:term`. */
  key: string;
  /** This candidate's name, stored in the lease it holds (for people reading Redis). */
  id: string;
  /** How long a lease lasts without renewal. Default 3000 ms. */
  leaseMs?: number;
  /** How often the leader renews and candidates look. Default 1000 ms (below leaseMs). */
  renewMs?: number;
  log?: Logger;
}

/**
 * ACQUIRE — KEYS[1] lease, KEYS[2] term counter; ARGV[1] id, ARGV[2] nonce, ARGV[3] leaseMs.
 * If nobody holds the lease: INCR the term and SET the lease NX PX to `<term> <id> <nonce>`.
 * Replies `{1, value}` when won, `{0, holder's value}` when held.
 */
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder then return {0, holder} end
local term = redis.call('INCR', KEYS[2])
local value = tostring(term) .. ' ' .. ARGV[1] .. ' ' .. ARGV[2]
redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[3])
return {1, value}
`;

/** RENEW — KEYS[1] lease; ARGV[1] our value, ARGV[2] leaseMs. PEXPIREs only if still ours; replies `{1}` or `{0, holder or false}`. */
const RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1}
end
return {0, holder}
`;

/** RESIGN — KEYS[1] lease; ARGV[1] our value. DELetes only if still ours. */
const RESIGN = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

interface ScriptedRedis extends Redis {
  loomLeaseAcquire(lease: string, counter: string, id: string, nonce: string, leaseMs: string): Promise<[number, string]>;
  loomLeaseRenew(lease: string, value: string, leaseMs: string): Promise<[number, (string | null)?]>;
  loomLeaseResign(lease: string, value: string): Promise<number>;
}

/**
 * Leader election through a Redis lease. A candidate that finds the lease free takes it
 * (one Lua script: INCR `<key>:term`, SET `<key>` NX PX), so each leader's term is greater
 * than every earlier one; RoleManager sends it as the OpenFlow generation id. The leader
 * renews by compare-and-PEXPIRE; it counts its lease from before it sent each renewal, and
 * steps down when that runs out without a confirmed renewal (Redis unreachable, a stalled
 * event loop, a stuck command), so it never believes it leads after the lease others see
 * has expired. On `close()` it resigns (compare-and-DEL), so the next candidate takes over
 * at its next look.
 */
export class RedisLeaseElection extends EventEmitter<{ change: [] }> implements LeaderElection {
  private leading = false;
  private currentTerm = 0n;
  /** The lease value we hold, while we lead. */
  private held: string | undefined;
  /** Date.now() by which our lease may have expired in Redis. */
  private deadline = 0;
  private expiry: NodeJS.Timeout | undefined;
  private readonly timer: NodeJS.Timeout;
  private round: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly redis: ScriptedRedis;
  private readonly ownsClient: boolean;
  private readonly leaseMs: number;
  private readonly counterKey: string;
  private readonly nonce = randomUUID();
  private readonly log: Logger;

  /** Starts campaigning; resolves after the first round, so `isLeader` is already meaningful. */
  static async start(options: RedisLeaseElectionOptions): Promise<RedisLeaseElection> {
    const election = new RedisLeaseElection(options);
    await election.round;
    return election;
  }

  private constructor(private readonly options: RedisLeaseElectionOptions) {
    super();
    this.leaseMs = options.leaseMs ?? 3000;
    const renewMs = options.renewMs ?? Math.min(1000, this.leaseMs / 3);
    if (!(this.leaseMs > 0)) throw new InvalidOptionError('leaseMs', `${this.leaseMs} must be above 0`);
    if (!(renewMs > 0 && renewMs < this.leaseMs)) throw new InvalidOptionError('renewMs', `${renewMs} must be above 0 and below leaseMs (${this.leaseMs})`);
    this.log = (options.log ?? rootLogger).child({ component: 'leader-election', candidate: options.id });
    this.counterKey = `${options.key}:term`;
    this.ownsClient = !options.client;
    // An own connection fails commands fast while Redis is away, so rounds do not pile up.
    const redis = options.client ?? new Redis(options.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 0, commandTimeout: this.leaseMs });
    if (this.ownsClient) {
      let down = false;
      redis.on('error', (err: Error) => {
        if (!down) this.log.warn({ err: err.message, url: options.url }, 'leader election lost its Redis connection; reconnecting');
        down = true;
      });
      redis.on('ready', () => (down = false));
    }
    this.redis = redis as ScriptedRedis;
    this.redis.defineCommand('loomLeaseAcquire', { numberOfKeys: 2, lua: ACQUIRE });
    this.redis.defineCommand('loomLeaseRenew', { numberOfKeys: 1, lua: RENEW });
    this.redis.defineCommand('loomLeaseResign', { numberOfKeys: 1, lua: RESIGN });
    this.timer = setInterval(() => this.next(), renewMs);
    this.timer.unref();
    this.next();
  }

  /** False as soon as the lease may have run out, even before the step-down timer had a chance to run. */
  get isLeader(): boolean {
    return this.leading && Date.now() < this.deadline;
  }

  get term(): bigint {
    return this.currentTerm;
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    // A round stuck on an unreachable Redis does not hold up closing beyond one lease.
    await Promise.race([this.round, new Promise((resolve) => setTimeout(resolve, this.leaseMs).unref())]);
    const held = this.held;
    if (held) {
      this.stepDown(this.currentTerm);
      await this.redis.loomLeaseResign(this.options.key, held).catch((err: unknown) => this.log.warn({ err: describeCause(err) }, 'could not resign the lease; it expires by itself'));
    }
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** Rounds never overlap: a slow Redis delays the next one instead (the expiry timer still runs). */
  private next(): void {
    this.round = this.round
      .then(() => (this.stopped ? undefined : this.campaign()))
      .catch((err: unknown) => {
        // Keep leading until the lease may have run out: a blip must not cost a failover.
        this.log.warn({ err: describeCause(err) }, 'leader election round failed');
      });
  }

  private async campaign(): Promise<void> {
    const sent = Date.now();
    const held = this.held;
    if (held) {
      const [ok, holder] = await this.redis.loomLeaseRenew(this.options.key, held, String(this.leaseMs));
      if (this.held !== held) return; // stepped down meanwhile (the lease ran out): that stands
      if (ok) return this.lead(held, sent);
      this.log.warn({ term: this.currentTerm.toString(), holder }, 'lost the lease');
      return this.stepDown(holder ? termOf(holder) : this.currentTerm);
    }
    const [won, value] = await this.redis.loomLeaseAcquire(this.options.key, this.counterKey, this.options.id, this.nonce, String(this.leaseMs));
    if (this.stopped && won) {
      await this.redis.loomLeaseResign(this.options.key, value);
      return;
    }
    if (!won) return this.set(false, termOf(value));
    this.log.info({ term: termOf(value).toString() }, 'elected leader');
    this.lead(value, sent);
  }

  /** We hold `value` until `sent + leaseMs` (Redis counts from later, when it ran the command). */
  private lead(value: string, sent: number): void {
    this.held = value;
    this.deadline = sent + this.leaseMs;
    clearTimeout(this.expiry);
    const remaining = this.deadline - Date.now();
    if (remaining <= 0) return this.expired(value);
    this.expiry = setTimeout(() => this.expired(value), remaining);
    this.expiry.unref();
    this.set(true, termOf(value));
  }

  private expired(value: string): void {
    if (this.held !== value) return;
    this.log.warn({ term: this.currentTerm.toString() }, 'could not renew the lease before it ran out; stepping down');
    this.stepDown(this.currentTerm);
    // If it is still ours after all (Redis stalled, not gone), free it so a new term starts at once.
    this.redis.loomLeaseResign(this.options.key, value).catch(() => undefined);
  }

  private stepDown(term: bigint): void {
    this.held = undefined;
    clearTimeout(this.expiry);
    this.expiry = undefined;
    this.set(false, term);
  }

  private set(leading: boolean, term: bigint): void {
    if (leading === this.leading && term === this.currentTerm) return;
    if (this.leading && !leading) this.log.warn({ term: this.currentTerm.toString(), newTerm: term.toString() }, 'no longer leader');
    this.leading = leading;
    this.currentTerm = term;
    this.emit('change');
  }
}

/** The term in a lease value `<term> <id> <nonce>`. */
function termOf(value: string): bigint {
  const term = /^(\d+) /.exec(value)?.[1];
  return term === undefined ? 0n : BigInt(term);
}
