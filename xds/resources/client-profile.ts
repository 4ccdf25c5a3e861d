/**
 * What kind of xDS consumer a node is, derived from what it says about itself. The mesh
 * is translated once per profile, and every node with the same profile shares it.
 */
export interface ClientProfile {
  consumer: 'envoy' | 'grpc';
  /**
   * gRPC C-core before 1.55 (e.g. Debian's python3-grpcio 1.51) rejects header matchers
   * written with `string_match`; it needs the older `exact_match`/`prefix_match` fields.
   */
  legacyHeaderMatchers: boolean;
}

export interface NodeIdentity {
  id?: string;
  cluster?: string;
  user_agent_name?: string;
  user_agent_version?: string;
  /** google.protobuf.Struct; protobufjs' built-in Struct uses camelCase field names. */
  metadata?: { fields?: Record<string, { stringValue?: string }> };
}

const C_CORE_STRING_MATCH_SINCE: [number, number] = [1, 55];

export function profileOf(node: NodeIdentity | undefined): ClientProfile {
  const agent = (node?.user_agent_name ?? '').toLowerCase();
  const override = node?.metadata?.fields?.['loom.consumer']?.stringValue;
  const consumer = override === 'envoy' || override === 'grpc' ? override : agent.startsWith('grpc') ? 'grpc' : 'envoy';
  const cCore = consumer === 'grpc' && !agent.includes('node') && !agent.includes('java') && !agent.includes('go');
  return { consumer, legacyHeaderMatchers: cCore && versionBefore(node?.user_agent_version ?? '', C_CORE_STRING_MATCH_SINCE) };
}

export function profileKey(p: ClientProfile): string {
  return p.consumer + (p.legacyHeaderMatchers ? '-legacy-matchers' : '');
}

/** C-core wrappers report e.g. "C-core 29.0.0 Python 1.51.1": the gRPC release is the last version. */
function versionBefore(version: string, [major, minor]: [number, number]): boolean {
  const m = [...version.matchAll(/(\d+)\.(\d+)/g)].at(-1);
  if (!m) return false;
  return Number(m[1]) < major || (Number(m[1]) === major && Number(m[2]) < minor);
}

/** Every profile there is: snapshots are built only for those a connected node needs. */
export const ALL_PROFILES: readonly ClientProfile[] = [
  { consumer: 'envoy', legacyHeaderMatchers: false },
  { consumer: 'grpc', legacyHeaderMatchers: false },
  { consumer: 'grpc', legacyHeaderMatchers: true },
];

export function profileFromKey(key: string): ClientProfile | undefined {
  return ALL_PROFILES.find((p) => profileKey(p) === key);
}

export function nodeProfileKey(node: NodeIdentity | undefined): string {
  return profileKey(profileOf(node));
}
