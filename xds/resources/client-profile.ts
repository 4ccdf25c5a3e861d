/**
 * What kind of xDS consumer a node is, derived from what it says about itself. The mesh
 * is translated once per profile, and every node with the same profile shares it.
 */
export interface ClientProfile {
  consumer: 'envoy' | 'grpc';
  /**
   * gRPC C-core before 1.55 (Debian 12's python3-grpcio is 1.51), which needs three
   * adaptations, each seen with the real client:
   * - it rejects header matchers written with `string_match`: the older
   *   `exact_match`/`prefix_match`/`safe_regex_match` fields are sent instead;
   * - its RING_HASH picker crashes the process (grpc/grpc#31766, fixed after 1.51):
   *   such clusters are sent as ROUND_ROBIN, so hash affinity is not honoured there;
   * - a route's `max_stream_duration` fails calls at once whenever it would take effect
   *   (shorter than the call's own deadline, or sub-second): route timeouts are not sent;
   *   the deadline each call sets still applies.
   */
  legacyCCore: boolean;
}

export interface NodeIdentity {
  id?: string;
  cluster?: string;
  user_agent_name?: string;
  user_agent_version?: string;
  /** google.protobuf.Struct; protobufjs' built-in Struct uses camelCase field names. */
  metadata?: { fields?: Record<string, { stringValue?: string }> };
}

const C_CORE_FIXED_SINCE: [number, number] = [1, 55];

export function profileOf(node: NodeIdentity | undefined): ClientProfile {
  const agent = (node?.user_agent_name ?? '').toLowerCase();
  const override = node?.metadata?.fields?.['loom.consumer']?.stringValue;
  const consumer = override === 'envoy' || override === 'grpc' ? override : agent.startsWith('grpc') ? 'grpc' : 'envoy';
  const cCore = consumer === 'grpc' && !agent.includes('node') && !agent.includes('java') && !agent.includes('go');
  return { consumer, legacyCCore: cCore && versionBefore(node?.user_agent_version ?? '', C_CORE_FIXED_SINCE) };
}

export function profileKey(p: ClientProfile): string {
  return p.consumer + (p.legacyCCore ? '-legacy-c-core' : '');
}

/** C-core wrappers report e.g. "C-core 29.0.0 Python 1.51.1": the gRPC release is the last version. */
function versionBefore(version: string, [major, minor]: [number, number]): boolean {
  const m = [...version.matchAll(/(\d+)\.(\d+)/g)].at(-1);
  if (!m) return false;
  return Number(m[1]) < major || (Number(m[1]) === major && Number(m[2]) < minor);
}

/** Every profile there is: snapshots are built only for those a connected node needs. */
export const ALL_PROFILES: readonly ClientProfile[] = [
  { consumer: 'envoy', legacyCCore: false },
  { consumer: 'grpc', legacyCCore: false },
  { consumer: 'grpc', legacyCCore: true },
];

export function profileFromKey(key: string): ClientProfile | undefined {
  return ALL_PROFILES.find((p) => profileKey(p) === key);
}

export function nodeProfileKey(node: NodeIdentity | undefined): string {
  return profileKey(profileOf(node));
}
