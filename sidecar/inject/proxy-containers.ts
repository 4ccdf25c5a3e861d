import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { PROXY_PORTS, PROXY_UID } from '../redirect/proxy-ports';
import type { RedirectConfig } from '../redirect/redirect-config';
import type { Backend } from '../redirect/backend';
import { ANNOTATIONS } from './annotations';

/** The containers and volume injection adds; pure builders, one pod's settings in. */
export const INJECTED = {
  redirectContainer: 'loom-redirect',
  proxyContainer: 'loom-proxy',
  bootstrapVolume: 'loom-bootstrap',
} as const;

const BOOTSTRAP_DIR = '/etc/loom';
const BOOTSTRAP_FILE = 'envoy-bootstrap.json';

export interface ProxyResources {
  cpu: string;
  memory: string;
  cpuLimit?: string;
  memoryLimit?: string;
}

/** No CPU limit by default: a throttled proxy adds latency to every request of the pod. */
export const DEFAULT_PROXY_RESOURCES: ProxyResources = { cpu: '100m', memory: '128Mi', memoryLimit: '1Gi' };

/** Runs `loom redirect` in the pod's network namespace before anything else can send traffic. */
export function redirectInitContainer(image: string, redirect: RedirectConfig, backend: Backend | 'auto'): IContainer {
  const list = (flag: string, values: (string | number)[]) => (values.length > 0 ? [flag, values.join(',')] : []);
  return {
    name: INJECTED.redirectContainer,
    image,
    command: ['loom', 'redirect'],
    args: [
      '--backend',
      backend,
      '--proxy-uid',
      String(redirect.proxyUid),
      ...list('--exclude-inbound-ports', redirect.excludeInboundPorts),
      ...list('--exclude-outbound-ports', redirect.excludeOutboundPorts),
      ...list('--exclude-outbound-cidrs', redirect.excludeOutboundCidrs),
      ...list('--exclude-outbound-uids', redirect.excludeOutboundUids),
    ],
    resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    securityContext: {
      // Root with NET_ADMIN alone is enough for nf_tables; legacy iptables opens a raw socket.
      runAsUser: 0,
      runAsNonRoot: false,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: backend === 'iptables-legacy' ? ['NET_ADMIN', 'NET_RAW'] : ['NET_ADMIN'] },
    },
  };
}

/**
 * Holds the app back (fallback mode only): kubelet starts the next container only after
 * this hook returns. Plain bash, because the proxy image has no HTTP client to rely on.
 */
const WAIT_UNTIL_READY = [
  'for _ in $(seq 1 600); do',
  `  if exec 3<>/dev/tcp/127.0.0.1/${PROXY_PORTS.readiness} && printf 'GET /ready HTTP/1.0\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == *" 200 "* ]]; then exit 0; fi 2>/dev/null`,
  '  exec 3>&-; sleep 1',
  'done',
  'exit 1',
].join('\n');

export function proxyContainer(image: string, resources: ProxyResources, native: boolean): IContainer {
  const ready = { httpGet: { path: '/ready', port: PROXY_PORTS.readiness } };
  const limits = { ...(resources.cpuLimit ? { cpu: resources.cpuLimit } : {}), ...(resources.memoryLimit ? { memory: resources.memoryLimit } : {}) };
  return {
    name: INJECTED.proxyContainer,
    image,
    command: ['envoy'],
    args: [
      '-c',
      `${BOOTSTRAP_DIR}/${BOOTSTRAP_FILE}`,
      // The pod's name is not known at admission when it comes from generateName.
      '--service-node',
      '$(POD_NAME).$(POD_NAMESPACE)',
      '--disable-hot-restart',
      '--log-level',
      'warning',
    ],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ],
    ports: [{ name: 'loom-ready', containerPort: PROXY_PORTS.readiness, protocol: 'TCP' }],
    resources: { requests: { cpu: resources.cpu, memory: resources.memory }, ...(Object.keys(limits).length > 0 ? { limits } : {}) },
    securityContext: {
      runAsUser: PROXY_UID,
      runAsGroup: PROXY_UID,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    // Ready once the first listeners and clusters have arrived from Loom.
    startupProbe: { ...ready, periodSeconds: 1, failureThreshold: 600 },
    readinessProbe: { ...ready, periodSeconds: 5, failureThreshold: 3 },
    volumeMounts: [{ name: INJECTED.bootstrapVolume, mountPath: BOOTSTRAP_DIR, readOnly: true }],
    ...(native ? { restartPolicy: 'Always' } : { lifecycle: { postStart: { exec: { command: ['bash', '-c', WAIT_UNTIL_READY] } } } }),
  };
}

/** The bootstrap lives in a pod annotation; the downward API turns it into the file Envoy reads. */
export function bootstrapVolume(): IVolume {
  return {
    name: INJECTED.bootstrapVolume,
    downwardAPI: { items: [{ path: BOOTSTRAP_FILE, fieldRef: { fieldPath: `metadata.annotations['${ANNOTATIONS.bootstrap}']` } }] },
  };
}
