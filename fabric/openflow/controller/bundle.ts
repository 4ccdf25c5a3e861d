import { BundleFlags, type BundleControlType } from '../codec';
import { BundleError, OpenFlowError } from './errors';
import type { Outgoing, OutgoingBundleAdd } from './outgoing';
import type { SwitchConnection } from './switch-connection';

export interface BundleOptions {
  /** `BundleFlags`; default ATOMIC | ORDERED. */
  flags?: number;
  /** For the barrier after the adds and for the commit; OVS takes about 1 s per 100,000 flows. Default 60000 ms. */
  timeoutMs?: number;
}

/**
 * Applies `messages` all or nothing, through OVS's bundles (OpenFlow 1.4's, carried in ONF
 * experimenter messages on 1.3): open, one add per message, commit.
 *
 * OVS checks each message when it is added and answers a bad one with an error, but keeps
 * the bundle open, and a commit would then apply the others (seen on OVS 3.1). So the adds
 * are followed by a barrier, and the bundle is committed only if none was refused, else
 * discarded. What OVS can only check at commit (a group that does not exist yet) fails the
 * commit: an error for that add, then OFPBFC_MSG_FAILED, and nothing applied. Either way
 * this rejects with `BundleError`, whose `errors` name each refused message and its index.
 */
export async function commitBundle(conn: SwitchConnection, messages: readonly Outgoing[], options: BundleOptions = {}): Promise<void> {
  const flags = options.flags ?? BundleFlags.ATOMIC | BundleFlags.ORDERED;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const bundleId = conn.allocateBundleId();
  const control = (controlType: BundleControlType) => conn.request({ type: 'bundle_control', bundleId, controlType, flags }, { timeoutMs });
  const refused = (errors: readonly OpenFlowError[], controlError?: unknown): BundleError => {
    if (controlError !== undefined && !(controlError instanceof OpenFlowError)) throw controlError;
    return new BundleError(conn.id, errors.map((e) => unwrap(conn.id, e)), controlError);
  };

  const opened = control('open_request');
  opened.catch(() => undefined);
  const adds = messages.map((message): OutgoingBundleAdd => ({ type: 'bundle_add_message', bundleId, flags, message }));
  let batch;
  try {
    batch = conn.sendTracked(adds);
  } catch (err) {
    conn.send({ type: 'bundle_control', bundleId, controlType: 'discard_request', flags });
    throw err;
  }
  try {
    await opened.catch((err: unknown) => Promise.reject(refused([], err)));
    await batch.written;
    await conn.barrier({ timeoutMs });
    if (batch.errors.length) {
      await control('discard_request').catch(() => undefined);
      throw refused(batch.errors);
    }
    await control('commit_request').catch((err: unknown) => Promise.reject(refused(batch.errors, err)));
  } finally {
    batch.release();
  }
}

/** The error for a bundle_add, restated for the message it carried. */
function unwrap(switchId: string, err: OpenFlowError): OpenFlowError {
  const add = err.request;
  return add?.type === 'bundle_add_message' ? new OpenFlowError(switchId, err.reply, add.message, err.index) : err;
}
