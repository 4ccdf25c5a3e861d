import type { Cluster, ClusterPod } from './cluster';

/**
 * A `Cluster` pod's Endpoint and Services, shaped through the control plane's API the way
 * an operator would: the CNI plugin registers a pod's endpoint (network, address, MAC,
 * host, ofport); a test re-applies it with more fields — labels (selectors, the `tenant`
 * label), `service` and `port` (a backend).
 */

/** The pod's endpoint as the control plane has it now, with `fields` set: one JSON document for `plane.apply`. */
export async function endpointDocument(cluster: Cluster, pod: ClusterPod, fields: Record<string, unknown>): Promise<string> {
  const res = await cluster.plane.call('GET', `/v1/endpoints/${pod.name}`);
  if (res.status !== 200) throw new Error(`no endpoint for pod ${pod.name}: ${JSON.stringify(res.body)}`);
  return JSON.stringify({ ...res.body, ...fields });
}

/** Resource documents (YAML or JSON text) as one apply body. */
export function documents(docs: readonly string[]): string {
  return docs.map((d) => d.trim()).join('\n---\n');
}

/** The VIP the control plane assigned to `service`. */
export async function serviceVip(cluster: Cluster, service: string): Promise<string> {
  const vip = (await cluster.plane.call('GET', `/v1/services/${service}`)).body.vip;
  if (typeof vip !== 'string') throw new Error(`service ${service} has no VIP`);
  return vip;
}
