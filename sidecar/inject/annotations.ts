import { parseCidrList, parsePortList, parseUidList, type Parsed } from '../redirect/redirect-config';

/**
 * The pod annotations users write (and the two injection writes). Every `loom.io/`
 * annotation is checked: a misspelt one is refused rather than silently ignored, and a
 * bad value is refused with what would have been accepted.
 */
export const ANNOTATIONS = {
  inject: 'loom.io/inject',
  excludeInboundPorts: 'loom.io/exclude-inbound-ports',
  excludeOutboundPorts: 'loom.io/exclude-outbound-ports',
  excludeOutboundCidrs: 'loom.io/exclude-outbound-cidrs',
  excludeOutboundUids: 'loom.io/exclude-outbound-uids',
  proxyImage: 'loom.io/proxy-image',
  proxyCpu: 'loom.io/proxy-cpu',
  proxyMemory: 'loom.io/proxy-memory',
  proxyCpuLimit: 'loom.io/proxy-cpu-limit',
  proxyMemoryLimit: 'loom.io/proxy-memory-limit',
  /** Written by injection: its presence means "already injected". */
  status: 'loom.io/status',
  /** Written by injection: the Envoy bootstrap, mounted into the proxy through the downward API. */
  bootstrap: 'loom.io/envoy-bootstrap',
} as const;

/** Namespace label that opts every pod of the namespace in. */
export const NAMESPACE_LABEL = { key: 'loom.io/inject', enabled: 'enabled' } as const;

export interface PodOverrides {
  inject?: boolean;
  excludeInboundPorts: number[];
  excludeOutboundPorts: number[];
  excludeOutboundCidrs: string[];
  excludeOutboundUids: number[];
  proxyImage?: string;
  resources: { cpu?: string; memory?: string; cpuLimit?: string; memoryLimit?: string };
}

/** A problem at a path inside the pod, e.g. `['metadata', 'annotations', 'loom.io/proxy-cpu']`. */
export interface PodProblem {
  path: (string | number)[];
  message: string;
}

export function annotationPath(key: string): (string | number)[] {
  return ['metadata', 'annotations', key];
}

/** `metadata.annotations["loom.io/proxy-cpu"]`, `spec.containers[0]`. */
export function formatPodPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `${acc}["${key}"]`;
    return acc ? `${acc}.${key}` : key;
  }, '');
}

export function readOverrides(annotations: Record<string, string>): { overrides: PodOverrides; problems: PodProblem[] } {
  const problems: PodProblem[] = [];
  const get = <T>(key: string, parse: (text: string) => Parsed<T>): T | undefined => {
    const text = annotations[key];
    if (text === undefined) return undefined;
    const parsed = parse(text);
    if (parsed.ok) return parsed.value;
    problems.push({ path: annotationPath(key), message: parsed.message });
    return undefined;
  };

  const known = new Set<string>(Object.values(ANNOTATIONS));
  for (const key of Object.keys(annotations)) {
    if (key.startsWith('loom.io/') && !known.has(key)) {
      const accepted = Object.values(ANNOTATIONS).filter((k) => k !== ANNOTATIONS.status && k !== ANNOTATIONS.bootstrap);
      problems.push({ path: annotationPath(key), message: `unknown Loom annotation; accepted: ${accepted.join(', ')}` });
    }
  }

  const overrides: PodOverrides = {
    inject: get(ANNOTATIONS.inject, parseBoolean),
    excludeInboundPorts: get(ANNOTATIONS.excludeInboundPorts, parsePortList) ?? [],
    excludeOutboundPorts: get(ANNOTATIONS.excludeOutboundPorts, parsePortList) ?? [],
    excludeOutboundCidrs: get(ANNOTATIONS.excludeOutboundCidrs, parseCidrList) ?? [],
    excludeOutboundUids: get(ANNOTATIONS.excludeOutboundUids, parseUidList) ?? [],
    proxyImage: get(ANNOTATIONS.proxyImage, parseImage),
    resources: {
      cpu: get(ANNOTATIONS.proxyCpu, parseQuantity),
      memory: get(ANNOTATIONS.proxyMemory, parseQuantity),
      cpuLimit: get(ANNOTATIONS.proxyCpuLimit, parseQuantity),
      memoryLimit: get(ANNOTATIONS.proxyMemoryLimit, parseQuantity),
    },
  };
  return { overrides, problems };
}

export function parseBoolean(text: string): Parsed<boolean> {
  if (text === 'true' || text === 'false') return { ok: true, value: text === 'true' };
  return { ok: false, message: `"${text}" is not "true" or "false"` };
}

// Docker/OCI reference grammar: [registry[:port]/]path[:tag][@digest].
const IMAGE_REFERENCE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

export function parseImage(text: string): Parsed<string> {
  if (IMAGE_REFERENCE.test(text)) return { ok: true, value: text };
  return { ok: false, message: `"${text}" is not an image reference; expected e.g. envoyproxy/envoy:v1.32.3 or registry.example.com/envoy@sha256:…` };
}

const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?\d+)?$/;
const SUFFIX: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

export function parseQuantity(text: string): Parsed<string> {
  if (QUANTITY.test(text)) return { ok: true, value: text };
  return { ok: false, message: `"${text}" is not a Kubernetes quantity; expected e.g. 100m or 0.5 (CPU), 128Mi or 1Gi (memory)` };
}

/** The value of a quantity that `parseQuantity` accepted, to compare a request with its limit. */
export function quantityValue(text: string): number {
  const [, number, suffix = ''] = QUANTITY.exec(text)!;
  return /^[eE]/.test(suffix) ? Number(number + suffix) : Number(number) * SUFFIX[suffix];
}
