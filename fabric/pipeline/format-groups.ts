import { formatAction, type FormatOptions } from './format';
import type { PipelineGroup } from './group';

/**
 * Groups as `ovs-ofctl` text, as `ovs-ofctl -O OpenFlow13 dump-groups` prints them
 * (less its header and indent), one per line: what golden files hold, and what
 * `ovs-ofctl add-groups` and `bundle` (prefixed `group add`) take. Tables in `ct(table=…)`
 * by name unless `tableNames` is false.
 */
export function formatGroups(groups: readonly PipelineGroup[], options: FormatOptions = {}): string {
  const lines = [...groups].sort((a, b) => a.groupId - b.groupId).map((g) => formatGroup(g, options));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function formatGroup(group: PipelineGroup, options: FormatOptions = {}): string {
  const names = options.tableNames ?? true;
  if (group.groupType !== 'select') throw new RangeError(`formatGroup: group type ${String(group.groupType)} is not supported`);
  const buckets = group.buckets.map((b) => {
    if (b.watchPort !== undefined || b.watchGroup !== undefined) throw new RangeError('formatGroup: watch_port and watch_group are not supported');
    // OVS leaves out a select bucket's weight when it is the default, 1.
    const weight = (b.weight ?? 0) === 1 ? '' : `weight:${b.weight ?? 0},`;
    return `bucket=${weight}actions=${b.actions.length ? b.actions.map((a) => formatAction(a, names)).join(',') : 'drop'}`;
  });
  return [`group_id=${group.groupId}`, `type=${group.groupType}`, ...buckets].join(',');
}
