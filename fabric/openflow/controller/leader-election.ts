import { EventEmitter } from 'node:events';

/**
 * Which controller instance is master. Each new leader gets a term greater than every
 * earlier one; RoleManager sends it as the OpenFlow generation id, so a switch refuses
 * (OFPRRFC_STALE) a master request from an earlier leader, whatever that one believes, and
 * demotes the old master when the new one asks. The switch is the fence; the election only
 * has to converge.
 */
export interface LeaderElection {
  /** Whether this instance leads now. */
  readonly isLeader: boolean;
  /** The newest term seen: ours while we lead, else the leader's (the generation id a slave announces). */
  readonly term: bigint;
  /** After `isLeader` or `term` changed. */
  on(event: 'change', listener: () => void): unknown;
  off(event: 'change', listener: () => void): unknown;
  /** Stops taking part; a leader resigns, so another can take over at once. */
  close(): Promise<void>;
}

/**
 * Elections among instances in one process: the first member leads; when it leaves, the
 * longest-standing member takes over with the next term. For tests and embedded setups.
 */
export class MemoryElectionGroup {
  private term = 0n;
  private readonly members: MemoryElection[] = [];

  join(): MemoryElection {
    const member = new MemoryElection(this);
    this.members.push(member);
    if (this.members.length === 1) this.term++;
    this.notify();
    return member;
  }

  currentTerm(): bigint {
    return this.term;
  }

  leader(): MemoryElection | undefined {
    return this.members[0];
  }

  leave(member: MemoryElection): void {
    const i = this.members.indexOf(member);
    if (i < 0) return;
    this.members.splice(i, 1);
    if (i === 0 && this.members.length) this.term++;
    this.notify();
    member.emit('change');
  }

  private notify(): void {
    for (const m of this.members) m.emit('change');
  }
}

export class MemoryElection extends EventEmitter<{ change: [] }> implements LeaderElection {
  private left = false;

  constructor(private readonly group: MemoryElectionGroup) {
    super();
  }

  get isLeader(): boolean {
    return !this.left && this.group.leader() === this;
  }

  get term(): bigint {
    return this.group.currentTerm();
  }

  async close(): Promise<void> {
    this.left = true;
    this.group.leave(this);
  }
}
