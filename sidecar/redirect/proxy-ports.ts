/**
 * The contract between the traffic redirect, the injected proxy and its bootstrap: where
 * captured connections are sent, which ports the proxy itself serves, and the UID it runs
 * as. Loom's xDS server builds the outbound listener on the same port
 * (`ENVOY_VIRTUAL_OUTBOUND_PORT` in xds/resources/names.ts); sidecar/ may not import xds/,
 * so the two must be kept equal by hand.
 */
export const PROXY_PORTS = {
  /** Outbound connections are redirected here (Envoy's `virtualOutbound`, original destination). */
  outbound: 15001,
  /** Inbound connections are redirected here (the bootstrap's `virtualInbound`). */
  inbound: 15006,
  /** Envoy admin, bound to 127.0.0.1 only. */
  admin: 15000,
  /** `GET /ready` for kubelet probes; answered by Envoy's admin `/ready`. */
  readiness: 15021,
} as const;

/** The proxy runs as this UID; the redirect lets its connections through uncaptured. */
export const PROXY_UID = 1337;

/** Inbound ports never captured: kubelet must reach the proxy's readiness port directly. */
export const PROXY_SERVED_INBOUND_PORTS: readonly number[] = [PROXY_PORTS.readiness];
