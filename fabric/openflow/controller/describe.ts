import type { Match } from '../codec';
import type { Outgoing } from './outgoing';

/**
 * One-line summaries of messages for errors and logs: enough to find the flow or group in
 * question (`flow_mod add table=3 priority=100 {"inPort":1}`, `group_mod modify
 * group_id=5 type=select`), never the whole message.
 */

export function describeMessage(msg: Outgoing): string {
  switch (msg.type) {
    case 'flow_mod':
      return `flow_mod ${msg.command} ${describeFlow(msg)}${msg.cookie === undefined ? '' : ` cookie=0x${msg.cookie.toString(16)}`}`;
    case 'group_mod':
      return `group_mod ${msg.command} ${describeGroup(msg)}`;
    case 'bundle_add_message':
      return `bundle ${msg.bundleId}: ${describeMessage(msg.message)}`;
    case 'bundle_control':
      return `bundle ${msg.bundleId} ${msg.controlType}`;
    case 'role_request':
      return `role_request ${msg.role} generation ${msg.generationId}`;
    case 'multipart_request':
      return `multipart_request ${msg.body.kind}`;
    case 'raw':
      return `message type ${msg.msgType}`;
    default:
      return msg.type;
  }
}

export function describeFlow(flow: { tableId?: number; priority?: number; match?: Match }): string {
  return `table=${flow.tableId ?? 0} priority=${flow.priority ?? 0x8000} ${describeMatch(flow.match ?? {})}`;
}

export function describeGroup(group: { groupId: number; groupType?: string }): string {
  return `group_id=${group.groupId}${group.groupType === undefined ? '' : ` type=${group.groupType}`}`;
}

function describeMatch(match: Match): string {
  return JSON.stringify(match, (_key, value: unknown) => (typeof value === 'bigint' ? `0x${value.toString(16)}` : value));
}
