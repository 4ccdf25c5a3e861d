import type { HostPort } from '../../src/config';
import type { XdsTls } from '../bootstrap/bootstrap';
import type { Backend } from '../redirect/backend';

/** What every injected pod gets unless its annotations say otherwise. */
export interface InjectionConfig {
  /** Where the injected Envoy finds Loom's xDS server, as seen from the pod. */
  xds: HostPort;
  xdsTls?: XdsTls;
  proxyImage: string;
  /** Image with `loom` and iptables/nft, for the redirect init container. */
  initImage: string;
  /**
   * Run the proxy as a native sidecar (an init container with `restartPolicy: Always`,
   * Kubernetes 1.29+): it is ready before the app starts and does not keep a Job's pod
   * from completing. Without it the proxy is the first regular container and a
   * `postStart` hook holds the app back until the proxy is ready.
   */
  nativeSidecar: boolean;
  redirectBackend: Backend | 'auto';
}

export const DEFAULT_PROXY_IMAGE = 'envoyproxy/envoy:v1.32.3';
export const DEFAULT_INIT_IMAGE = 'loom/loom:0.1.0';

/** Native sidecars are on by default from Kubernetes 1.29 (beta, SidecarContainers). */
export const NATIVE_SIDECAR_SINCE = { major: 1, minor: 29 } as const;

/** `1.28`, `v1.29.3`, `1.30.1-gke.100` → whether that cluster runs native sidecars; undefined if unreadable. */
export function supportsNativeSidecars(kubeVersion: string): boolean | undefined {
  const m = /^v?(\d+)\.(\d+)(?:[.+-].*)?$/.exec(kubeVersion.trim());
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > NATIVE_SIDECAR_SINCE.major || (major === NATIVE_SIDECAR_SINCE.major && minor >= NATIVE_SIDECAR_SINCE.minor);
}
