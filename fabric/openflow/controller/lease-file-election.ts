import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describeCause } from '../../../src/errors';
import { rootLogger, type Logger } from '../../../src/log';
import { InvalidOptionError } from './errors';
import type { LeaderElection } from './leader-election';

export interface LeaseFileElectionOptions {
  /** Shared by all candidates; on one host, or a filesystem whose O_EXCL create is atomic. */
  dir: string;
  /** This candidate's name, written into the term file it wins (for people reading the dir). */
  id: string;
  /** A leader that has not renewed for this long is presumed dead. Default 3000 ms. */
  leaseMs?: number;
  /** How often the leader renews and candidates look. Default leaseMs / 3. */
  renewMs?: number;
  log?: Logger;
}

const TERM_FILE = /^term-(\d+)$/;

/**
 * Leader election through files: `term-<n>` is created (O_EXCL, so exactly one candidate
 * wins it) by the leader of term n, which renews it by touching its mtime. A candidate
 * that finds the newest term file older than `leaseMs` creates the next one. A leader that
 * finds a newer term file than its own has been replaced (it was presumed dead: a stalled
 * event loop, say) and steps down; until it notices, the switch refuses its writes because
 * the new leader's generation id is higher. Needs no daemon; relies on clocks agreeing
 * with file mtimes, so it is meant for candidates on one host.
 */
export class LeaseFileElection extends EventEmitter<{ change: [] }> implements LeaderElection {
  private leading = false;
  private currentTerm = 0n;
  private readonly timer: NodeJS.Timeout;
  private round: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly leaseMs: number;
  private readonly log: Logger;

  /** Starts campaigning; resolves after the first round, so `isLeader` is already meaningful. */
  static async start(options: LeaseFileElectionOptions): Promise<LeaseFileElection> {
    await fs.mkdir(options.dir, { recursive: true });
    const election = new LeaseFileElection(options);
    await election.round;
    return election;
  }

  private constructor(private readonly options: LeaseFileElectionOptions) {
    super();
    this.leaseMs = options.leaseMs ?? 3000;
    const renewMs = options.renewMs ?? this.leaseMs / 3;
    if (!(renewMs > 0 && renewMs < this.leaseMs)) throw new InvalidOptionError('renewMs', `${renewMs} must be above 0 and below leaseMs (${this.leaseMs})`);
    this.log = (options.log ?? rootLogger).child({ component: 'leader-election', candidate: options.id });
    this.timer = setInterval(() => this.next(), renewMs);
    this.timer.unref();
    this.next();
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get term(): bigint {
    return this.currentTerm;
  }

  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.round;
    if (this.leading) {
      // Resigning: an mtime far in the past lets the next candidate take over on its next look.
      await fs.utimes(this.file(this.currentTerm), 0, 0).catch(() => undefined);
      this.set(false, this.currentTerm);
    }
  }

  /** Rounds never overlap: a slow filesystem delays the next one instead. */
  private next(): void {
    this.round = this.round.then(() => (this.stopped ? undefined : this.campaign())).catch((err: unknown) => {
      this.log.warn({ err: describeCause(err) }, 'leader election round failed');
      if (this.leading) this.set(false, this.currentTerm);
    });
  }

  private async campaign(): Promise<void> {
    const newest = await this.newestTerm();
    if (this.leading) {
      if (newest && newest.term > this.currentTerm) return this.set(false, newest.term);
      const now = new Date();
      await fs.utimes(this.file(this.currentTerm), now, now);
      return;
    }
    if (newest && Date.now() - newest.mtimeMs < this.leaseMs) return this.set(false, newest.term);
    const term = (newest?.term ?? 0n) + 1n;
    try {
      await fs.writeFile(this.file(term), `${this.options.id} pid ${process.pid}\n`, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return this.set(false, term);
      throw err;
    }
    this.log.info({ term: term.toString() }, 'elected leader');
    this.set(true, term);
    await this.removeTermsBefore(term);
  }

  private async newestTerm(): Promise<{ term: bigint; mtimeMs: number } | undefined> {
    let newest: bigint | undefined;
    for (const name of await fs.readdir(this.options.dir)) {
      const m = TERM_FILE.exec(name);
      if (m && (newest === undefined || BigInt(m[1]) > newest)) newest = BigInt(m[1]);
    }
    if (newest === undefined) return undefined;
    const stat = await fs.stat(this.file(newest)).catch(() => undefined);
    return { term: newest, mtimeMs: stat?.mtimeMs ?? 0 };
  }

  private async removeTermsBefore(term: bigint): Promise<void> {
    for (const name of await fs.readdir(this.options.dir)) {
      const m = TERM_FILE.exec(name);
      if (m && BigInt(m[1]) < term) await fs.rm(path.join(this.options.dir, name), { force: true });
    }
  }

  private file(term: bigint): string {
    return path.join(this.options.dir, `term-${term}`);
  }

  private set(leading: boolean, term: bigint): void {
    if (leading === this.leading && term === this.currentTerm) return;
    if (this.leading && !leading) this.log.warn({ term: this.currentTerm.toString(), newTerm: term.toString() }, 'no longer leader');
    this.leading = leading;
    this.currentTerm = term;
    this.emit('change');
  }
}
