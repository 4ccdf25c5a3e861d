import { deltaNames, deltaResources, type DeltaAdsClient } from '../../harness/ads-test-client';
import type { DeltaDiscoveryResponse } from '../../../xds/server/discovery-codec';
import type { Mesh } from '../../../src/model/mesh';
import {
  AdsFixture,
  CDS,
  ECHO_ASSIGNMENTS,
  EDS,
  ENVOY_CLUSTERS,
  LDS,
  RDS,
  echoMesh,
  endpoint,
  envoyNode,
  eventually,
  other,
  withResources,
  withoutEndpoint,
} from './ads-fixtures';

/**
 * Incremental (Delta) ADS on the wire: responses carry only what the client lacks, and
 * `removed_resources` what it must drop.
 */

let fx: AdsFixture;
beforeEach(async () => {
  fx = await AdsFixture.start(echoMesh());
});
afterEach(() => fx.stop());

async function subscribe(client: DeltaAdsClient, type_url: string, names: string[], initial: Record<string, string> = {}): Promise<DeltaDiscoveryResponse> {
  client.send({ type_url, resource_names_subscribe: names, initial_resource_versions: initial });
  const response = await client.next();
  expect(response.type_url).toBe(type_url);
  return response;
}

function versions(response: DeltaDiscoveryResponse): Record<string, string> {
  return Object.fromEntries(response.resources.map((r) => [r.name, r.version]));
}

test('an empty subscribe list on the first CDS request is a wildcard: every cluster, then new ones', async () => {
  const client = fx.delta();
  const first = await subscribe(client, CDS, []);
  expect(deltaNames(first)).toEqual(ENVOY_CLUSTERS);
  expect(first.removed_resources).toEqual([]);
  for (const r of first.resources) {
    expect(r.version).not.toBe('');
    expect(r.resource?.type_url).toBe(CDS);
  }
  expect(deltaResources(first).get('echo@b2')).toMatchObject({ name: 'echo@b2', type: 'EDS' });

  fx.publish(withResources(echoMesh(), other));
  expect(deltaNames(await client.next())).toEqual(['other']);
});

test('naming a cluster ends a legacy (empty-list) wildcard, but not an explicit "*"', async () => {
  const legacy = fx.delta();
  await subscribe(legacy, CDS, []);
  legacy.send({ type_url: CDS, resource_names_subscribe: ['echo'] });
  expect(deltaNames(await legacy.next())).toEqual(['echo']);
  const star = fx.delta();
  await subscribe(star, CDS, ['*']);
  star.send({ type_url: CDS, resource_names_subscribe: ['echo'] });
  expect(deltaNames(await star.next())).toEqual(['echo']);

  fx.publish(withResources(echoMesh(), other));
  expect(deltaNames(await star.next())).toEqual(['other']);
  await legacy.expectNoResponse(300);
});

test('explicit EDS subscribe and unsubscribe: only subscribed assignments are sent', async () => {
  const node = envoyNode();
  const client = fx.delta(node);
  const first = await subscribe(client, EDS, ['echo']);
  expect(deltaNames(first)).toEqual(['echo']);

  // Adding a name sends that one only: the client already holds `echo`.
  client.send({ type_url: EDS, resource_names_subscribe: ['echo@b1'], response_nonce: first.nonce });
  const added = await client.next();
  expect(deltaNames(added)).toEqual(['echo@b1']);

  client.send({ type_url: EDS, resource_names_unsubscribe: ['echo'], response_nonce: added.nonce });
  await eventually(() => expect(fx.typeStatus(node.id, 'EDS')?.subscribed).toBe(1));

  // b2's port changes `echo` (no longer subscribed) and `echo@b2` (never subscribed).
  fx.publish(withResources(echoMesh(), endpoint('b2', 1003)));
  await client.expectNoResponse(300);
  // b1's port changes `echo@b1`, which is still subscribed.
  fx.publish(withResources(echoMesh(), endpoint('b2', 1003), endpoint('b1', 1011)));
  const push = await client.next();
  expect(deltaNames(push)).toEqual(['echo@b1']);
  expect(push.removed_resources).toEqual([]);
});

test('when an endpoint leaves the mesh its pinned cluster echo@b2 is in removed_resources (CDS and EDS)', async () => {
  const client = fx.delta();
  await subscribe(client, CDS, []);
  await subscribe(client, EDS, ECHO_ASSIGNMENTS);

  fx.publish(withoutEndpoint(echoMesh(), 'b2'));
  // First the change that adds or updates: `echo` lost an endpoint; echo@b1 did not change.
  const eds = await client.next();
  expect(eds.type_url).toBe(EDS);
  expect(deltaNames(eds)).toEqual(['echo']);
  expect(eds.removed_resources).toEqual([]);

  // Then, once routes no longer use it, the removal.
  const cds = await client.next();
  expect(cds.type_url).toBe(CDS);
  expect(cds.removed_resources).toEqual(['echo@b2']);
  expect(deltaNames(cds)).toEqual([]);
  const removedEds = await client.next();
  expect(removedEds.type_url).toBe(EDS);
  expect(removedEds.removed_resources).toEqual(['echo@b2']);
});

test('a subscribed name that does not exist is reported in removed_resources once', async () => {
  const client = fx.delta();
  const first = await subscribe(client, EDS, ['echo', 'nope']);
  expect(deltaNames(first)).toEqual(['echo']);
  expect(first.removed_resources).toEqual(['nope']);
  client.ack(first);

  fx.publish(withResources(echoMesh(), endpoint('b1', 1011)));
  const push = await client.next();
  expect(deltaNames(push)).toEqual(['echo']);
  expect(push.removed_resources).toEqual([]);
});

test('an unrelated change re-sends nothing the client already holds', async () => {
  const client = fx.delta();
  await subscribe(client, CDS, []);
  await subscribe(client, EDS, ECHO_ASSIGNMENTS);

  fx.publish(withResources(echoMesh(), other));
  const cds = await client.next();
  expect(cds.type_url).toBe(CDS);
  expect(deltaNames(cds)).toEqual(['other']);
  expect(cds.removed_resources).toEqual([]);
  // No subscribed assignment changed, so there is no EDS response at all.
  await client.expectNoResponse(300);
});

test('every response carries its type_url, and nonces increase across types and pushes', async () => {
  const client = fx.delta();
  const responses: DeltaDiscoveryResponse[] = [];
  for (const [type_url, names] of [[CDS, []], [EDS, ECHO_ASSIGNMENTS], [LDS, []], [RDS, ['50051']]] as const) {
    responses.push(await subscribe(client, type_url, [...names]));
  }
  fx.publish(withResources(echoMesh(), endpoint('b1', 1011)));
  responses.push(await client.next());
  expect(responses.at(-1)!.type_url).toBe(EDS);

  for (const r of responses) for (const resource of r.resources) expect(resource.resource?.type_url).toBe(r.type_url);
  const nonces = responses.map((r) => Number(r.nonce));
  expect(nonces.every(Number.isInteger)).toBe(true);
  for (let i = 1; i < nonces.length; i++) expect(nonces[i]).toBeGreaterThan(nonces[i - 1]);
});

test('ACK and NACK are recorded; a NACKed version is not re-sent, a later change is', async () => {
  const node = envoyNode();
  const client = fx.delta(node);
  const first = await subscribe(client, CDS, []);
  client.ack(first);
  await eventually(() => {
    const cds = fx.typeStatus(node.id, 'CDS');
    expect(cds?.sentNonce).toBe(first.nonce);
    expect(cds?.ackedVersion).toBe(cds?.sentVersion);
  });
  await client.expectNoResponse(300);

  fx.publish(withResources(echoMesh(), other));
  const rejected = await client.next();
  expect(deltaNames(rejected)).toEqual(['other']);
  client.nack(rejected, 'cluster other: unsupported');
  await eventually(() => expect(fx.typeStatus(node.id, 'CDS')?.lastNack).toMatchObject({ nonce: rejected.nonce, message: 'cluster other: unsupported' }));
  await client.expectNoResponse(300);

  fx.publish(withResources(echoMesh(), { ...other, loadBalancer: 'least_request' }));
  const fixed = await client.next();
  expect(deltaNames(fixed)).toEqual(['other']);
  expect(fixed.resources[0].version).not.toBe(rejected.resources[0].version);
});

test('a request with a stale nonce is neither ACK nor NACK, but its subscription change applies', async () => {
  const node = envoyNode();
  const client = fx.delta(node);
  const first = await subscribe(client, EDS, ['echo']);
  fx.publish(withResources(echoMesh(), endpoint('b1', 1011)));
  await client.next();

  client.send({ type_url: EDS, resource_names_subscribe: ['echo@b1'], response_nonce: first.nonce, error_detail: { code: 3, message: 'about an older response' } });
  expect(deltaNames(await client.next())).toEqual(['echo@b1']);
  const eds = fx.typeStatus(node.id, 'EDS');
  expect(eds?.lastNack).toBeUndefined();
  expect(eds?.ackedVersion).toBeUndefined();
});

// What the client kept from its old stream, and what changed in the mesh meanwhile.
test.each([
  {
    what: 'explicit EDS, one endpoint moved',
    type: EDS,
    names: ECHO_ASSIGNMENTS,
    change: (): Mesh => withResources(echoMesh(), endpoint('b2', 1003)),
    sent: ['echo', 'echo@b2'],
    removed: [] as string[],
  },
  {
    what: 'wildcard CDS, a service added and an endpoint removed',
    type: CDS,
    names: [] as string[],
    change: (): Mesh => withResources(withoutEndpoint(echoMesh(), 'b2'), other),
    sent: ['other'],
    removed: ['echo@b2'],
  },
  { what: 'wildcard CDS, nothing changed', type: CDS, names: [] as string[], change: echoMesh, sent: [] as string[], removed: [] as string[] },
])('a reconnect with initial_resource_versions gets only what differs ($what)', async ({ type, names, change, sent, removed }) => {
  const node = envoyNode();
  const before = fx.delta(node);
  const held = versions(await subscribe(before, type, names));
  before.close();

  fx.publish(change());
  const after = fx.delta(node);
  const response = await subscribe(after, type, names, held);
  // Resources the client holds at their current version are not sent again.
  expect(deltaNames(response)).toEqual(sent);
  expect(response.removed_resources).toEqual(removed);
  for (const r of response.resources) expect(r.version).not.toBe(held[r.name]);
});
