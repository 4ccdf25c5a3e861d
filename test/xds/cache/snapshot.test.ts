import { InconsistentSnapshotError, Snapshot } from '../../../xds/cache/snapshot';
import { SnapshotCache } from '../../../xds/cache/snapshot-cache';
import { edsCluster } from '../../../xds/resources/clusters';
import { loadAssignment } from '../../../xds/resources/endpoints';
import { grpcApiListener } from '../../../xds/resources/listeners';
import type { ResourcesByType } from '../../../xds/resources/mesh-resources';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL } from '../../../xds/resources/type-urls';

const grpc = { consumer: 'grpc', legacyCCore: false } as const;

function resources(port = 1): ResourcesByType {
  return {
    [LISTENER_TYPE_URL]: new Map([['echo', grpcApiListener('echo', 'grpc.echo')]]),
    [ROUTE_TYPE_URL]: new Map([['grpc.echo', { name: 'grpc.echo', virtual_hosts: [] }]]),
    [CLUSTER_TYPE_URL]: new Map([['echo', edsCluster('echo', { loadBalancer: 'round_robin', http2: true }, grpc)]]),
    [ENDPOINT_TYPE_URL]: new Map([['echo', loadAssignment('echo', [{ kind: 'Endpoint', name: 'b1', service: 'echo', address: '10.0.0.1', port }])]]),
  };
}

describe('Snapshot', () => {
  it('refuses references that do not resolve, naming each', () => {
    const broken = resources();
    broken[ROUTE_TYPE_URL].clear();
    broken[ENDPOINT_TYPE_URL].clear();
    expect(() => Snapshot.fromResources(broken)).toThrow(InconsistentSnapshotError);
    expect(() => Snapshot.fromResources(broken)).toThrow('snapshot refused: RDS "grpc.echo" (referenced by listener echo), EDS "echo" (referenced by cluster echo) missing');
  });

  it('versions each resource by content: only what changed gets a new version', () => {
    const a = Snapshot.fromResources(resources(1));
    const b = Snapshot.fromResources(resources(2), a);
    expect(b.get(CLUSTER_TYPE_URL, 'echo')).toBe(a.get(CLUSTER_TYPE_URL, 'echo'));
    expect(b.get(ENDPOINT_TYPE_URL, 'echo')!.version).not.toBe(a.get(ENDPOINT_TYPE_URL, 'echo')!.version);
    expect(Snapshot.fromResources(resources(1)).get(ENDPOINT_TYPE_URL, 'echo')!.version).toBe(a.get(ENDPOINT_TYPE_URL, 'echo')!.version);
  });
});

describe('SnapshotCache', () => {
  it('builds a snapshot for a node group on first use and tells watchers of new ones', () => {
    const built: string[] = [];
    const cache = new SnapshotCache((node) => node?.cluster ?? 'none', (key) => (built.push(key), Snapshot.fromResources(resources())));
    const seen: Snapshot[] = [];
    const watch = cache.watch({ cluster: 'a' }, (s) => seen.push(s));
    expect(built).toEqual(['a']);
    expect(watch.current).toBeDefined();
    const next = Snapshot.fromResources(resources(2));
    cache.setSnapshot('b', next);
    cache.setSnapshot('a', next);
    expect(seen).toEqual([next]);
    watch.cancel();
    cache.setSnapshot('a', Snapshot.fromResources(resources(3)));
    expect(seen).toHaveLength(1);
  });
});
