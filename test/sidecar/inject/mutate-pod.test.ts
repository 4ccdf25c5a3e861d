import { applyPatch } from 'fast-json-patch';
import { DEFAULT_INIT_IMAGE, DEFAULT_PROXY_IMAGE, supportsNativeSidecars, type InjectionConfig } from '../../../sidecar/inject/injection-config';
import { mutatePod, type PodLike } from '../../../sidecar/inject/mutate-pod';
import { kubeSchemaErrors } from '../harness/kube-schema';

const CONFIG: InjectionConfig = {
  xds: { host: '10.96.0.20', port: 18000 },
  proxyImage: DEFAULT_PROXY_IMAGE,
  initImage: DEFAULT_INIT_IMAGE,
  nativeSidecar: false,
  redirectBackend: 'iptables-legacy',
};
const ENABLED = { 'loom.io/inject': 'enabled' };

function inject(pod: PodLike, config = CONFIG) {
  const m = mutatePod(pod, ENABLED, config);
  if (!m.injected) throw new Error(`not injected: ${m.reason}`);
  return { pod: applyPatch(structuredClone(pod), m.patch, true, false).newDocument, warnings: m.warnings };
}

describe('mutatePod', () => {
  it('without native sidecars: proxy first among containers, redirect after the pod init containers', () => {
    const { pod } = inject({ spec: { initContainers: [{ name: 'setup', image: 'busybox' }], containers: [{ name: 'app', image: 'app' }] } });
    expect(pod.spec!.initContainers!.map((c) => c.name)).toEqual(['setup', 'loom-redirect']);
    expect(pod.spec!.containers.map((c) => c.name)).toEqual(['loom-proxy', 'app']);
    expect(pod.spec!.containers[0].lifecycle?.postStart?.exec?.command?.slice(0, 2)).toEqual(['bash', '-c']);
    expect(pod.spec!.containers[0].restartPolicy).toBeUndefined();
    expect(kubeSchemaErrors({ apiVersion: 'v1', kind: 'Pod', ...pod })).toEqual([]);
  });

  it('gives the legacy iptables redirect NET_RAW, which its raw socket needs', () => {
    const { pod } = inject({ metadata: { name: 'p' }, spec: { containers: [{ name: 'app' }] } });
    expect(pod.spec!.initContainers![0].securityContext!.capabilities).toEqual({ drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] });
    expect(pod.spec!.initContainers![0].args).toEqual(['--backend', 'iptables-legacy', '--proxy-uid', '1337']);
  });

  it('warns about an app container running as the proxy UID', () => {
    const { warnings } = inject({ spec: { securityContext: { runAsUser: 1337 }, containers: [{ name: 'app' }] } }, { ...CONFIG, nativeSidecar: true });
    expect(warnings).toEqual(["container app runs as UID 1337, the proxy's: its outbound traffic bypasses the proxy"]);
  });

  it('refuses something that is not a pod', () => {
    expect(() => mutatePod({ metadata: { name: 'x' } } as PodLike, ENABLED, CONFIG)).toThrow('pod x: spec.containers: expected a list of containers, each with a name');
  });
});

describe('supportsNativeSidecars', () => {
  it.each([
    ['1.28', false],
    ['v1.29.3', true],
    ['1.30.1-gke.100', true],
    ['2.0', true],
    ['latest', undefined],
  ])('%s → %s', (version, expected) => {
    expect(supportsNativeSidecars(version)).toBe(expected);
  });
});
