import type { Bucket } from '../openflow/codec';

/**
 * One OpenFlow group as desired state: what a GROUP_MOD add carries. Flows refer to it
 * by id (`group:N`), so a switch needs the group before the flows that use it and keeps
 * it until they are gone; the controller's flow sync takes `{ groupId, groupType, buckets }`.
 * Ids are 1..`Group.MAX` (0xffffff00) and unique per switch, across features.
 */
export interface PipelineGroup {
  readonly groupId: number;
  /** One bucket per packet, chosen by weight (OVS hashes the packet's 5-tuple). */
  readonly groupType: 'select';
  readonly buckets: Bucket[];
}
