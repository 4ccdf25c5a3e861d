import { createLogger } from '../../../src/log';
import type { Endpoint } from '../../../src/model/endpoint';
import type { Resource } from '../../../src/model/kinds';
import { applyResources, deleteResource, emptyMesh, type Mesh } from '../../../src/model/mesh';
import type { Service } from '../../../src/model/service';
import { MeshSnapshots } from '../../../xds/mesh-snapshots';
import type { NodeIdentity } from '../../../xds/resources/client-profile';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../../../xds/resources/type-urls';
import { AdsServer } from '../../../xds/server/ads-server';
import { StreamRegistry, type StreamStatus, type TypeStatus } from '../../../xds/server/stream-registry';
import { AdsTestClient, type DeltaAdsClient, type SotwAdsClient } from '../../harness/ads-test-client';

/** An in-process ADS server over a mesh, and the raw clients a test opened against it. */

export const LDS = LISTENER_TYPE_URL;
export const RDS = ROUTE_TYPE_URL;
export const CDS = CLUSTER_TYPE_URL;
export const EDS = ENDPOINT_TYPE_URL;

let nodeCounter = 0;

/** A node Loom serves the Envoy profile (sidecar names: `outbound_0.0.0.0_50051`, route `50051`). */
export function envoyNode(): NodeIdentity {
  return { id: `envoy-${++nodeCounter}`, cluster: 'test', user_agent_name: 'envoy', user_agent_version: '1.31.0' };
}

/** A proxyless grpc-js node (listeners `echo`, `echo:50051`, route `grpc.echo`). */
export function grpcNode(): NodeIdentity {
  return { id: `grpc-${++nodeCounter}`, user_agent_name: 'gRPC Node Pure JS', user_agent_version: '1.14.3' };
}

export const echo: Service = { kind: 'Service', name: 'echo', ports: [{ port: 50051, protocol: 'grpc' }] };
/** A second service on its own port: changes to it must not disturb `echo`'s resources. */
export const other: Service = { kind: 'Service', name: 'other', ports: [{ port: 8080, protocol: 'http' }] };

export function endpoint(name: string, port: number, extra: Partial<Endpoint> = {}): Endpoint {
  return { kind: 'Endpoint', name, service: 'echo', address: '127.0.0.1', port, ...extra };
}

export function withResources(mesh: Mesh, ...resources: Resource[]): Mesh {
  return applyResources(mesh, resources.map((resource) => ({ resource }))).mesh;
}

/** `echo` with endpoints b1 (port 1001) and b2 (port 1002). */
export function echoMesh(): Mesh {
  return withResources(emptyMesh(), echo, endpoint('b1', 1001), endpoint('b2', 1002));
}

export function withoutEndpoint(mesh: Mesh, name: string): Mesh {
  return deleteResource(mesh, 'Endpoint', name);
}

export const ENVOY_CLUSTERS = ['PassthroughCluster', 'echo', 'echo@b1', 'echo@b2'];
export const ENVOY_LISTENERS = ['outbound_0.0.0.0_50051', 'virtualOutbound'];
export const ECHO_ASSIGNMENTS = ['echo', 'echo@b1', 'echo@b2'];

export class AdsFixture {
  readonly registry = new StreamRegistry();
  private readonly snaps: MeshSnapshots;
  private readonly server: AdsServer;
  private readonly clients: { close(): void }[] = [];
  address = '';

  private constructor() {
    // Protocol tests NACK on purpose; the server's warnings about it would only be noise.
    const log = createLogger('test', 'error');
    this.snaps = new MeshSnapshots(emptyMesh(), log);
    this.server = new AdsServer(this.snaps.cache, this.registry, log);
  }

  static async start(mesh: Mesh = echoMesh()): Promise<AdsFixture> {
    const fixture = new AdsFixture();
    const port = await fixture.server.listen('127.0.0.1', 0);
    fixture.address = `127.0.0.1:${port}`;
    fixture.publish(mesh);
    return fixture;
  }

  publish(mesh: Mesh): void {
    this.snaps.publish(this.snaps.prepare(mesh));
  }

  sotw(node: NodeIdentity = envoyNode()): SotwAdsClient {
    const client = AdsTestClient.sotw(this.address, node);
    this.clients.push(client);
    return client;
  }

  delta(node: NodeIdentity = envoyNode()): DeltaAdsClient {
    const client = AdsTestClient.delta(this.address, node);
    this.clients.push(client);
    return client;
  }

  /** What the registry knows about the (only open) stream of `nodeId`. */
  stream(nodeId: string | undefined): StreamStatus | undefined {
    return this.registry.list().find((s) => s.nodeId === nodeId);
  }

  /** `short` is the registry's name for the type: LDS, RDS, CDS or EDS. */
  typeStatus(nodeId: string | undefined, short: string): TypeStatus | undefined {
    return this.stream(nodeId)?.types[short];
  }

  stop(): void {
    for (const client of this.clients) client.close();
    this.server.forceClose();
  }
}

/**
 * Retries `assertion` until it passes or `timeoutMs` elapses: for server state (the
 * registry) changed by a request that has no response to wait for.
 */
export async function eventually(assertion: () => void, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      assertion();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
