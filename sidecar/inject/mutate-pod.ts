import type { Operation } from 'fast-json-patch';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { InvalidInputError, type InputProblem } from '../../src/errors';
import { sidecarBootstrap } from '../bootstrap/sidecar-bootstrap';
import { PROXY_PORTS, PROXY_UID } from '../redirect/proxy-ports';
import { ANNOTATIONS, NAMESPACE_LABEL, annotationPath, formatPodPath, quantityValue, readOverrides, type PodProblem } from './annotations';
import { NATIVE_SIDECAR_SINCE, type InjectionConfig } from './injection-config';
import { DEFAULT_PROXY_RESOURCES, INJECTED, bootstrapVolume, proxyContainer, redirectInitContainer, type ProxyResources } from './proxy-containers';

/**
 * The injection, as a pure function: a pod (or a workload's pod template) and the labels
 * of its namespace in, a JSON Patch (RFC 6902) out, or the reason it is left alone. A
 * pod whose Loom annotations are wrong is refused as a whole (InvalidInputError, paths
 * relative to the pod); nothing is ever half-injected.
 */
export type PodLike = Pick<IPod, 'metadata' | 'spec'>;

export type Mutation = { injected: true; patch: Operation[]; warnings: string[] } | { injected: false; reason: string };

/** System namespaces: a proxy there could take down the cluster's own components. */
export const NEVER_INJECTED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public'];

export const INJECTED_STATUS = 'injected';

/** Refused: every problem, each at its path inside the pod (kept for callers that rebase it). */
export class InvalidPodError extends InvalidInputError {
  constructor(readonly podProblems: PodProblem[], source: string) {
    super(podProblems.map((p): InputProblem => ({ source, path: formatPodPath(p.path), message: p.message })));
  }
}

export function mutatePod(pod: PodLike, namespaceLabels: Record<string, string>, config: InjectionConfig, source = describePod(pod)): Mutation {
  const fail = (problems: PodProblem[]) => {
    throw new InvalidPodError(problems, source);
  };
  const namespace = pod.metadata?.namespace;
  const annotations = pod.metadata?.annotations ?? {};
  const spec = pod.spec;
  if (!spec || !Array.isArray(spec.containers) || spec.containers.some((c) => typeof c?.name !== 'string')) {
    fail([{ path: ['spec', 'containers'], message: 'expected a list of containers, each with a name' }]);
  }
  const containers = spec!.containers;
  const initContainers = spec!.initContainers ?? [];

  if (namespace && NEVER_INJECTED_NAMESPACES.includes(namespace)) return { injected: false, reason: `namespace ${namespace} is never injected` };
  if (annotations[ANNOTATIONS.status] !== undefined || [...containers, ...initContainers].some((c) => c.name === INJECTED.redirectContainer || c.name === INJECTED.proxyContainer)) {
    return { injected: false, reason: 'already injected' };
  }
  // The pod would share the node's network namespace: its redirect would capture the node.
  if (spec!.hostNetwork) return { injected: false, reason: 'hostNetwork pods are never injected' };

  const { overrides, problems } = readOverrides(annotations);
  // A bad loom.io/inject value is refused below with the other problems, never guessed at.
  if (!problems.some((p) => p.path[2] === ANNOTATIONS.inject)) {
    if (overrides.inject === false) return { injected: false, reason: `opted out by annotation ${ANNOTATIONS.inject}: "false"` };
    if (overrides.inject === undefined && namespaceLabels[NAMESPACE_LABEL.key] !== NAMESPACE_LABEL.enabled) {
      return { injected: false, reason: `neither namespace label ${NAMESPACE_LABEL.key}=${NAMESPACE_LABEL.enabled} nor annotation ${ANNOTATIONS.inject}: "true"` };
    }
  }

  const resources: ProxyResources = {
    cpu: overrides.resources.cpu ?? DEFAULT_PROXY_RESOURCES.cpu,
    memory: overrides.resources.memory ?? DEFAULT_PROXY_RESOURCES.memory,
    cpuLimit: overrides.resources.cpuLimit ?? DEFAULT_PROXY_RESOURCES.cpuLimit,
    memoryLimit: overrides.resources.memoryLimit ?? DEFAULT_PROXY_RESOURCES.memoryLimit,
  };
  for (const [request, limit, requestKey, limitKey] of [
    [resources.cpu, resources.cpuLimit, ANNOTATIONS.proxyCpu, ANNOTATIONS.proxyCpuLimit],
    [resources.memory, resources.memoryLimit, ANNOTATIONS.proxyMemory, ANNOTATIONS.proxyMemoryLimit],
  ] as const) {
    if (limit !== undefined && quantityValue(request) > quantityValue(limit)) {
      const key = annotations[requestKey] !== undefined ? requestKey : limitKey;
      problems.push({ path: annotationPath(key), message: `the proxy's request ${request} exceeds its limit ${limit}; ${requestKey} must be at most ${limitKey}` });
    }
  }
  if (problems.length > 0) fail(problems);

  const native = config.nativeSidecar;
  const redirect = redirectInitContainer(
    config.initImage,
    {
      proxyUid: PROXY_UID,
      excludeInboundPorts: overrides.excludeInboundPorts,
      excludeOutboundPorts: overrides.excludeOutboundPorts,
      excludeOutboundCidrs: overrides.excludeOutboundCidrs,
      excludeOutboundUids: overrides.excludeOutboundUids,
    },
    config.redirectBackend,
  );
  const proxy = proxyContainer(overrides.proxyImage ?? config.proxyImage, resources, native);
  const bootstrap = sidecarBootstrap({ cluster: workloadName(pod), xds: config.xds, xdsTls: config.xdsTls });

  const patch: Operation[] = [];
  if (!pod.metadata) patch.push({ op: 'add', path: '/metadata', value: {} });
  const added = { [ANNOTATIONS.status]: INJECTED_STATUS, [ANNOTATIONS.bootstrap]: JSON.stringify(bootstrap) };
  if (!pod.metadata?.annotations) patch.push({ op: 'add', path: '/metadata/annotations', value: added });
  else for (const [key, value] of Object.entries(added)) patch.push({ op: 'add', path: `/metadata/annotations/${pointerEscape(key)}`, value });

  // Native: redirect, then the proxy, then the pod's own init containers (their traffic is
  // captured and the proxy is up). Fallback: the redirect runs last, so the pod's init
  // containers run before any capture, when no proxy could serve them yet.
  const inits = native ? [redirect, proxy] : [redirect];
  if (!spec!.initContainers) patch.push({ op: 'add', path: '/spec/initContainers', value: inits });
  else if (native) inits.forEach((c, i) => patch.push({ op: 'add', path: `/spec/initContainers/${i}`, value: c }));
  else patch.push({ op: 'add', path: '/spec/initContainers/-', value: redirect });
  // Fallback: kubelet starts containers in order and waits for each postStart hook.
  if (!native) patch.push({ op: 'add', path: '/spec/containers/0', value: proxy });
  patch.push(spec!.volumes ? { op: 'add', path: '/spec/volumes/-', value: bootstrapVolume() } : { op: 'add', path: '/spec/volumes', value: [bootstrapVolume()] });

  return { injected: true, patch, warnings: warningsFor(pod, native) };
}

function warningsFor(pod: PodLike, native: boolean): string[] {
  const warnings: string[] = [];
  const restartPolicy = pod.spec!.restartPolicy;
  if (!native && (restartPolicy === 'Never' || restartPolicy === 'OnFailure')) {
    warnings.push(
      `the proxy runs as a regular container (native sidecars need Kubernetes ${NATIVE_SIDECAR_SINCE.major}.${NATIVE_SIDECAR_SINCE.minor}+), ` +
        `so this pod does not complete when its containers finish: have the last one call POST http://127.0.0.1:${PROXY_PORTS.admin}/quitquitquit`,
    );
  }
  const podUid = pod.spec!.securityContext?.runAsUser;
  for (const c of pod.spec!.containers as IContainer[]) {
    if ((c.securityContext?.runAsUser ?? podUid) === PROXY_UID) {
      warnings.push(`container ${c.name} runs as UID ${PROXY_UID}, the proxy's: its outbound traffic bypasses the proxy`);
    }
  }
  return warnings;
}

/** The node cluster: the workload the pod belongs to, as its labels name it. */
function workloadName(pod: PodLike): string {
  const labels = pod.metadata?.labels ?? {};
  const fromGenerateName = pod.metadata?.generateName?.replace(/-$/, '');
  return labels['app.kubernetes.io/name'] ?? labels.app ?? pod.metadata?.name ?? fromGenerateName ?? 'default';
}

function describePod(pod: PodLike): string {
  const name = pod.metadata?.name ?? (pod.metadata?.generateName ? `${pod.metadata.generateName}*` : '(unnamed)');
  return `pod ${pod.metadata?.namespace ? `${pod.metadata.namespace}/` : ''}${name}`;
}

/** RFC 6901: `loom.io/status` → `loom.io~1status`. */
export function pointerEscape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
