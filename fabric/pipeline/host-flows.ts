import { arpResponderFlows } from './arp-responder';
import { classifierFlows } from './classifier';
import { conntrackFlows } from './conntrack';
import { extensionPointFlows } from './extension-points';
import type { PipelineFlow } from './flow';
import { planHost } from './host-plan';
import { l2ForwardingFlows } from './l2-forwarding';
import { outputFlows } from './output';
import { spoofGuardFlows } from './spoof-guard';
import type { HostView } from './view';

/**
 * Every flow of one host's br-int, in table order: the whole pipeline from data, with no
 * I/O. Throws InvalidViewError (listing every problem) before building anything if the
 * view is not valid. Installing them is the controller's flow sync's job.
 *
 * Count, with L endpoints here, R endpoints elsewhere in the networks present here, N such
 * networks and G of them with a gateway: 6L + 2R + N + G + 20 — linear in endpoints.
 */
export function hostFlows(view: HostView): PipelineFlow[] {
  const plan = planHost(view);
  return [
    ...classifierFlows(plan),
    ...spoofGuardFlows(plan),
    ...arpResponderFlows(plan),
    ...conntrackFlows(),
    ...extensionPointFlows(),
    ...l2ForwardingFlows(plan),
    ...outputFlows(plan),
  ].sort((a, b) => a.tableId - b.tableId);
}
