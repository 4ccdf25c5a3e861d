import { createHash } from 'node:crypto';

const MAX = 253;
const VALID = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * The name of a pod's Endpoint, which is also its IPAM owner: `<pod>.<namespace>` from
 * K8S_POD_NAME/K8S_POD_NAMESPACE when the runtime gives them (Kubernetes namespaces have
 * no dots, so the split is unambiguous), else the container id. A second interface of
 * the same pod (CNI_IFNAME other than eth0) gets `.<ifname>` appended, since endpoint
 * names are unique cluster-wide.
 *
 * The result is always a valid DNS-style name and deterministic (ADD and DEL compute the
 * same one): lowercased, other characters replaced by `-`, trimmed; when that changed the
 * text or it was too long, a hash of the original is appended so two different pods
 * (`Web_1`, `web-1`) never share a name.
 */
export function endpointName(args: Readonly<Record<string, string>>, containerId: string, ifname: string): string {
  const pod = args.K8S_POD_NAME;
  const namespace = args.K8S_POD_NAMESPACE;
  let base = pod ? (namespace ? `${pod}.${namespace}` : pod) : containerId;
  if (ifname !== 'eth0') base = `${base}.${ifname}`;
  return sanitizeName(base);
}

export function sanitizeName(text: string): string {
  if (VALID.test(text)) return text;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  const cleaned = text
    .toLowerCase()
    .replace(/[^-a-z0-9.]/g, '-')
    .slice(0, MAX - hash.length - 1)
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return cleaned ? `${cleaned}-${hash}` : `pod-${hash}`;
}
