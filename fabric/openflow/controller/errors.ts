import { LoomError } from '../../../src/errors';
import type { ErrorMessage } from '../codec';
import { describeMessage } from './describe';
import type { Outgoing } from './outgoing';

/**
 * Errors of the controller runtime, each named for its cause. Errors the switch sent carry
 * the decoded OFPT_ERROR and, when it can be told, the request that failed.
 */

/** The switch refused a message: `errorName` is OVS's name for it (`OFPBRC_IS_SLAVE`, `OFPBAC_BAD_OUT_GROUP`). */
export class OpenFlowError extends LoomError {
  readonly errorName: string;
  readonly errorType: number;
  readonly code: number;

  constructor(
    /** Which switch, as `dpid 0x…` (or the peer address before the handshake finished). */
    readonly switchId: string,
    readonly reply: ErrorMessage,
    /** The message that failed, when it was sent through this connection. */
    readonly request?: Outgoing,
    /** Its position in the list given to `sendAll`/`bundle`. */
    readonly index?: number,
  ) {
    const what = request ? `${index === undefined ? '' : `message ${index}: `}${describeMessage(request)}` : `xid ${reply.xid}`;
    super(`${switchId}: ${reply.name}: ${what}`);
    this.errorName = reply.name;
    this.errorType = reply.errorType;
    this.code = reply.code;
  }
}

/** Some messages of a `sendAll` batch were refused. A batch is not atomic: the others were applied. */
export class BatchError extends LoomError {
  constructor(readonly errors: readonly OpenFlowError[]) {
    super(`${errors.length} message(s) refused: ${errors.map((e) => e.message).join('; ')}`);
  }
}

/**
 * A bundle was refused and nothing in it was applied. `errors` name the offending messages
 * (each with its index in the bundle); `controlError` is the switch's answer to the open or
 * commit, when that failed (a commit usually fails with OFPBFC_MSG_FAILED).
 */
export class BundleError extends LoomError {
  constructor(
    readonly switchId: string,
    readonly errors: readonly OpenFlowError[],
    readonly controlError?: OpenFlowError,
  ) {
    const reasons = errors.length ? errors.map((e) => e.message) : [controlError?.message ?? 'refused'];
    super(`${switchId}: bundle refused, nothing applied: ${reasons.join('; ')}`);
  }
}

/** No reply within the time allowed; the connection stays open (a late reply is dropped). */
export class RequestTimeoutError extends LoomError {
  constructor(
    readonly switchId: string,
    readonly request: Outgoing,
    readonly timeoutMs: number,
  ) {
    super(`${switchId}: no reply to ${describeMessage(request)} within ${timeoutMs} ms`);
  }
}

/** The connection is closed; `cause` says why when it was not closed on purpose. */
export class ConnectionClosedError extends LoomError {
  constructor(
    readonly switchId: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${switchId}: connection closed: ${reason}`, options);
  }
}

/** Nothing at all was received for longer than the echo interval plus the echo timeout. */
export class EchoTimeoutError extends LoomError {
  constructor(
    readonly switchId: string,
    readonly silentMs: number,
  ) {
    super(`${switchId}: switch silent for ${silentMs} ms, echo request unanswered`);
  }
}

/** HELLO or FEATURES failed: no common version, no answer in time, or an auxiliary connection. */
export class HandshakeError extends LoomError {
  constructor(
    readonly peer: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${peer}: OpenFlow handshake failed: ${reason}`, options);
  }
}

/** A controller option is out of range; names the option and what is accepted. */
export class InvalidOptionError extends LoomError {
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(`${option}: ${reason}`);
  }
}

/** A desired flow cannot be encoded; nothing of the set was applied. */
export class InvalidFlowError extends LoomError {
  constructor(
    readonly index: number,
    readonly flow: unknown,
    cause: unknown,
  ) {
    super(`flows[${index}]: ${cause instanceof Error ? cause.message : String(cause)} (nothing was applied)`, { cause });
  }
}

/** Two desired flows have the same table, priority and match: a switch keeps only one. */
export class DuplicateFlowError extends LoomError {
  constructor(
    readonly first: number,
    readonly second: number,
    description: string,
  ) {
    super(`flows[${first}] and flows[${second}] are the same flow (${description}): a switch keeps one flow per table, priority and match (nothing was applied)`);
  }
}

/** One desired flow the switch refused, by its index in the list given to `setFlows`. */
export interface RejectedFlow {
  index: number;
  description: string;
  error: OpenFlowError;
}

function describeRejectedFlow(r: RejectedFlow): string {
  return `flows[${r.index}] (${r.description}): ${r.error.errorName}`;
}

/** The switch refused desired flows; the bundle was not committed, the flow table is as it was. */
export class FlowsRejectedError extends LoomError {
  constructor(
    readonly switchId: string,
    readonly rejected: readonly RejectedFlow[],
    cause: BundleError,
  ) {
    const what = rejected.length ? rejected.map(describeRejectedFlow).join('; ') : cause.message;
    super(`${switchId}: flows refused, nothing applied: ${what}`, { cause });
  }
}

/**
 * The switch accepted every desired flow but holds fewer: OVS saw some as the same flow
 * (matches that differ only in bits a mask ignores, say), so each add replaced another.
 */
export class FlowConflictError extends LoomError {
  constructor(
    readonly switchId: string,
    /** Indexes of desired flows missing from the switch. */
    readonly missing: readonly number[],
    descriptions: readonly string[],
  ) {
    super(`${switchId}: ${missing.length} desired flow(s) replaced by another with the same table, priority and match as OVS sees it: ${missing.map((i, k) => `flows[${i}] (${descriptions[k]})`).join('; ')}`);
  }
}

/**
 * A desired group set is not valid: ids out of range or used twice, a group that cannot be
 * encoded, a flow or bucket using a group that is not desired. `problems` lists every one,
 * each naming its input (`groups[2].groupId: …`, `flows[7]: …`); nothing was applied.
 */
export class InvalidGroupsError extends LoomError {
  constructor(readonly problems: readonly string[]) {
    super(`${problems.join('; ')} (nothing was applied)`);
  }
}

/** One desired group change the switch refused: `index` in the list given to `setFlows`, undefined for a delete. */
export interface RejectedGroup {
  index: number | undefined;
  groupId: number;
  description: string;
  error: OpenFlowError;
}

/**
 * The switch refused desired groups (and maybe flows with them); the bundle was not
 * committed, groups and flows are as they were.
 */
export class GroupsRejectedError extends LoomError {
  constructor(
    readonly switchId: string,
    readonly rejected: readonly RejectedGroup[],
    readonly rejectedFlows: readonly RejectedFlow[],
    cause: BundleError,
  ) {
    const groups = rejected.map((r) => `${r.index === undefined ? 'delete' : `groups[${r.index}]`} (${r.description}): ${r.error.errorName}`);
    super(`${switchId}: groups refused, nothing applied: ${[...groups, ...rejectedFlows.map(describeRejectedFlow)].join('; ')}`, { cause });
  }
}

/** The switch is not connected to this controller (now): nothing can be read from it. */
export class NotConnectedError extends LoomError {
  constructor(readonly switchId: string) {
    super(`${switchId}: not connected to this controller`);
  }
}

/** `FlowSync.close()` was called while this change was still waiting to reach its switch. */
export class FlowSyncClosedError extends LoomError {
  constructor(readonly switchId: string) {
    super(`${switchId}: flow sync closed before the desired flows and groups were installed`);
  }
}
