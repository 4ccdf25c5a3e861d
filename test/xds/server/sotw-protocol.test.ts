import type { Mesh } from '../../../src/model/mesh';
import { sotwNames, sotwResources, type SotwAdsClient } from '../../harness/ads-test-client';
import type { DiscoveryResponse } from '../../../xds/server/discovery-codec';
import {
  AdsFixture,
  CDS,
  ECHO_ASSIGNMENTS,
  EDS,
  ENVOY_CLUSTERS,
  ENVOY_LISTENERS,
  LDS,
  RDS,
  echo,
  echoMesh,
  endpoint,
  envoyNode,
  eventually,
  grpcNode,
  other,
  withResources,
  withoutEndpoint,
} from './ads-fixtures';

/**
 * State-of-the-world ADS as Envoy and proxyless gRPC clients speak it, checked on the
 * wire with a raw client. Each test pins one behaviour those clients depend on.
 */

let fx: AdsFixture;
beforeEach(async () => {
  fx = await AdsFixture.start(echoMesh());
});
afterEach(() => fx.stop());

/** Subscribes and returns the first response, checking it is for the type asked. */
async function subscribe(client: SotwAdsClient, type_url: string, resource_names: string[]): Promise<DiscoveryResponse> {
  client.send({ type_url, resource_names });
  const response = await client.next();
  expect(response.type_url).toBe(type_url);
  return response;
}


test('every response carries its type_url and a version, and nonces increase across types and pushes', async () => {
  const client = fx.sotw();
  const responses: DiscoveryResponse[] = [];
  for (const [type_url, names] of [[CDS, []], [EDS, ECHO_ASSIGNMENTS], [LDS, []], [RDS, ['50051']]] as const) {
    responses.push(await subscribe(client, type_url, [...names]));
  }
  fx.publish(withResources(echoMesh(), endpoint('b1', 1011)));
  responses.push(await client.next()); // the EDS push for b1's new port

  for (const r of responses) {
    expect(r.version_info).not.toBe('');
    // Clients route a response by its type_url; every resource inside must be of that type.
    for (const resource of r.resources) expect(resource.type_url).toBe(r.type_url);
  }
  expect(responses.at(-1)!.type_url).toBe(EDS);
  const nonces = responses.map((r) => Number(r.nonce));
  expect(nonces.every(Number.isInteger)).toBe(true);
  for (let i = 1; i < nonces.length; i++) expect(nonces[i]).toBeGreaterThan(nonces[i - 1]);
});

// LDS/CDS rows ACK with an empty list, as Envoy does for its (legacy) wildcard subscriptions:
// that empty list must stay "everything", not turn into "nothing".
test.each([
  { kind: 'LDS', type: LDS, names: [] as string[] },
  { kind: 'CDS', type: CDS, names: [] as string[] },
  { kind: 'RDS', type: RDS, names: ['50051'] },
  { kind: 'EDS', type: EDS, names: ['echo'] },
])('an ACK of the current $kind response gets no new response and is recorded', async ({ kind, type, names }) => {
  const node = envoyNode();
  const client = fx.sotw(node);
  const first = await subscribe(client, type, names);
  expect(first.resources.length).toBeGreaterThan(0);

  client.ack(first, names);
  await client.expectNoResponse(300);
  await eventually(() => expect(fx.typeStatus(node.id, kind)).toMatchObject({ ackedVersion: first.version_info, sentNonce: first.nonce }));
});

test('an ACK naming the same resources (reordered, one twice) is the same subscription: nothing is re-sent', async () => {
  const client = fx.sotw();
  const first = await subscribe(client, CDS, ['echo', 'echo@b1']);
  expect(sotwNames(first)).toEqual(['echo', 'echo@b1']);
  client.ack(first, ['echo@b1', 'echo', 'echo']);
  await client.expectNoResponse(300);
});

test('a request with a stale nonce is neither ACK nor NACK, but its subscription change is answered', async () => {
  const node = grpcNode();
  const client = fx.sotw(node);
  const first = await subscribe(client, EDS, ['echo']);
  fx.publish(withResources(echoMesh(), endpoint('b1', 1011)));
  const push = await client.next();
  expect(sotwNames(push)).toEqual(['echo']);

  // Written before `push` arrived: names the old nonce (and even carries an error), adds a name.
  client.send({
    type_url: EDS,
    resource_names: ['echo', 'echo@b1'],
    version_info: first.version_info,
    response_nonce: first.nonce,
    error_detail: { code: 3, message: 'about an older response' },
  });
  const answer = await client.next();
  expect(sotwNames(answer)).toContain('echo@b1');

  // The answer proves the request was processed: nothing was recorded as ACK or NACK.
  const eds = fx.typeStatus(node.id, 'EDS');
  expect(eds?.lastNack).toBeUndefined();
  expect(eds?.ackedVersion).toBeUndefined();
  expect(eds?.subscribed).toBe(2);
});

test('EDS names added one at a time (as grpc-js does while clusters arrive) are each answered', async () => {
  const client = fx.sotw(grpcNode());
  const names: string[] = [];
  let last: DiscoveryResponse | undefined;
  for (const name of ECHO_ASSIGNMENTS) {
    names.push(name);
    // grpc-js re-sends the whole list with the last version and nonce: an ACK that also grows the subscription.
    client.send({ type_url: EDS, resource_names: [...names], version_info: last?.version_info ?? '', response_nonce: last?.nonce ?? '' });
    last = await client.next();
    expect(last.type_url).toBe(EDS);
    expect(sotwNames(last)).toContain(name);
  }
});

// Each change touches exactly the subscribed resource; a client that stays subscribed sees it.
test.each([
  { kind: 'EDS', type: EDS, names: ['echo'], change: (): Mesh => withResources(echoMesh(), endpoint('b1', 1011)) },
  { kind: 'RDS', type: RDS, names: ['50051'], change: (): Mesh => withResources(echoMesh(), { kind: 'Route', name: 'echo', service: 'echo', rules: [{ timeout: '1s' }] }) },
  { kind: 'CDS', type: CDS, names: ['echo'], change: (): Mesh => withResources(echoMesh(), { ...echo, loadBalancer: 'least_request' }) },
  { kind: 'LDS', type: LDS, names: ['outbound_0.0.0.0_50051'], change: (): Mesh => withResources(echoMesh(), { ...echo, ports: [{ port: 50051, protocol: 'tcp' }] }) },
])('an empty $kind list after a subscription unsubscribes: later changes are not sent', async ({ kind, type, names, change }) => {
  const node = envoyNode();
  const leaving = fx.sotw(node);
  const staying = fx.sotw();
  const first = await subscribe(leaving, type, names);
  expect(sotwNames(first)).toEqual(names);
  await subscribe(staying, type, names);

  leaving.send({ type_url: type, resource_names: [], version_info: first.version_info, response_nonce: first.nonce });
  if (type === LDS || type === CDS) {
    // LDS/CDS answer a subscription change with the full state of it: here, nothing.
    expect((await leaving.next()).resources).toHaveLength(0);
  }
  await eventually(() => expect(fx.typeStatus(node.id, kind)?.subscribed).toBe(0));

  fx.publish(change());
  expect(sotwNames(await staying.next())).toEqual(names);
  await leaving.expectNoResponse(300);
});

test.each([
  { kind: 'LDS', type: LDS, all: ENVOY_LISTENERS, added: 'outbound_0.0.0.0_8080' },
  { kind: 'CDS', type: CDS, all: ENVOY_CLUSTERS, added: 'other' },
])('an empty list as the first $kind request is a wildcard, and stays one through ACKs', async ({ kind, type, all, added }) => {
  const node = envoyNode();
  const client = fx.sotw(node);
  const first = await subscribe(client, type, []);
  expect(sotwNames(first)).toEqual(all);

  // Envoy ACKs a wildcard subscription with an empty list again.
  client.ack(first, []);
  await eventually(() => expect(fx.typeStatus(node.id, kind)?.ackedVersion).toBe(first.version_info));

  // A wildcard covers resources that did not exist when it was made.
  fx.publish(withResources(echoMesh(), other));
  expect(sotwNames(await client.next())).toEqual([...all, added].sort());
});

test('the node is sent only on the first request: later requests without it are served for that node', async () => {
  const node = grpcNode();
  const client = fx.sotw(node);
  // `echo` is a listener only in the gRPC profile: the first request's node chose it.
  expect(sotwNames(await subscribe(client, LDS, ['echo']))).toEqual(['echo']);
  // The client leaves `node` out of every later request.
  expect(sotwNames(await subscribe(client, RDS, ['grpc.echo']))).toEqual(['grpc.echo']);
  expect(sotwNames(await subscribe(client, CDS, ['echo']))).toEqual(['echo']);
  expect(sotwNames(await subscribe(client, EDS, ['echo']))).toEqual(['echo']);
  expect(fx.stream(node.id)).toMatchObject({ profile: 'grpc', userAgent: 'gRPC Node Pure JS/1.14.3' });

  // Pushes keep following the gRPC profile's snapshot.
  fx.publish(withResources(echoMesh(), endpoint('b1', 1011)));
  const push = await client.next();
  expect(push.type_url).toBe(EDS);
  expect(sotwNames(push)).toEqual(['echo']);
});

test.each([
  { kind: 'CDS', type: CDS, names: [] as string[], changed: false },
  { kind: 'CDS', type: CDS, names: [] as string[], changed: true },
  { kind: 'EDS', type: EDS, names: ['echo', 'echo@b1'], changed: false },
])('a new stream presenting an old version ($kind, mesh changed: $changed) is answered with current resources', async ({ type, names, changed }) => {
  const node = envoyNode();
  const before = fx.sotw(node);
  const old = await subscribe(before, type, names);
  before.ack(old, names);
  before.close();

  const mesh = changed ? withResources(echoMesh(), other) : echoMesh();
  fx.publish(mesh);
  const expected = changed ? [...ENVOY_CLUSTERS, 'other'].sort() : sotwNames(old);

  // Envoy and gRPC reconnect with the version (and even the nonce) they hold from the old stream.
  const after = fx.sotw(node);
  after.send({ type_url: type, resource_names: names, version_info: old.version_info, response_nonce: old.nonce });
  const current = await after.next();
  expect(sotwNames(current)).toEqual(expected);
  if (changed) expect(current.version_info).not.toBe(old.version_info);
});

/** An Envoy-like stream with wildcard LDS/CDS and explicit RDS/EDS, all initial responses taken. */
async function envoyStream(rdsNames: string[], edsNames: string[]): Promise<SotwAdsClient> {
  const client = fx.sotw(envoyNode());
  await subscribe(client, CDS, []);
  await subscribe(client, EDS, edsNames);
  await subscribe(client, LDS, []);
  await subscribe(client, RDS, rdsNames);
  return client;
}

test('LDS and CDS pushes carry every subscribed resource, not only the changed ones', async () => {
  const client = await envoyStream(['50051'], ECHO_ASSIGNMENTS);
  fx.publish(withResources(echoMesh(), other));

  const cds = await client.next();
  expect(cds.type_url).toBe(CDS);
  // A cluster missing from a CDS response is deleted by the client.
  expect(sotwNames(cds)).toEqual([...ENVOY_CLUSTERS, 'other'].sort());
  const lds = await client.next();
  expect(lds.type_url).toBe(LDS);
  expect(sotwNames(lds)).toEqual([...ENVOY_LISTENERS, 'outbound_0.0.0.0_8080'].sort());
  // Nothing subscribed over EDS or RDS changed.
  await client.expectNoResponse(300);
});

test('an EDS push after an endpoint change carries only the changed ClusterLoadAssignments', async () => {
  const client = await envoyStream(['50051'], ECHO_ASSIGNMENTS);
  fx.publish(withResources(echoMesh(), endpoint('b2', 1003)));

  const eds = await client.next();
  expect(eds.type_url).toBe(EDS);
  expect(sotwNames(eds)).toEqual(['echo', 'echo@b2']);
  const b2 = sotwResources(eds).find((r) => r.cluster_name === 'echo@b2');
  expect(JSON.stringify(b2)).toContain('1003');
  // Clusters, listeners and routes do not depend on an endpoint's port.
  await client.expectNoResponse(300);
});

test('one mesh change that adds a service is pushed make-before-break: CDS, EDS, LDS, RDS', async () => {
  // Names of the service to come are subscribed up front, as Envoy would after seeing its cluster and listener.
  const client = await envoyStream(['50051', '8080'], [...ECHO_ASSIGNMENTS, 'other']);
  fx.publish(withResources(echoMesh(), other));

  const pushes = [await client.next(), await client.next(), await client.next(), await client.next()];
  expect(pushes.map((r) => r.type_url)).toEqual([CDS, EDS, LDS, RDS]);
  expect(sotwNames(pushes[0])).toContain('other');
  expect(sotwNames(pushes[1])).toEqual(['other']);
  expect(sotwNames(pushes[2])).toContain('outbound_0.0.0.0_8080');
  expect(sotwNames(pushes[3])).toEqual(['8080']);
});

test('a change that removes a cluster is pushed break-after-make: routes stop using it before it goes', async () => {
  const client = await envoyStream(['50051'], ECHO_ASSIGNMENTS);
  fx.publish(withoutEndpoint(echoMesh(), 'b2'));

  const pushes = [await client.next(), await client.next(), await client.next()];
  expect(pushes.map((r) => r.type_url)).toEqual([EDS, RDS, CDS]);
  expect(sotwNames(pushes[0])).toEqual(['echo']);
  expect(JSON.stringify(sotwResources(pushes[1]))).not.toContain('echo@b2');
  expect(sotwNames(pushes[2])).toEqual(ENVOY_CLUSTERS.filter((c) => c !== 'echo@b2'));
  await client.expectNoResponse(300);
});

test('a NACK is recorded, the rejected version is not re-sent, and a later change is', async () => {
  const node = envoyNode();
  const client = fx.sotw(node);
  const accepted = await subscribe(client, CDS, []);
  client.ack(accepted, []);
  await eventually(() => expect(fx.typeStatus(node.id, 'CDS')?.ackedVersion).toBe(accepted.version_info));

  fx.publish(withResources(echoMesh(), other));
  const rejected = await client.next();
  client.nack(rejected, [], accepted.version_info, 'cluster other: unsupported');
  await eventually(() =>
    expect(fx.typeStatus(node.id, 'CDS')).toMatchObject({
      ackedVersion: accepted.version_info,
      lastNack: { version: rejected.version_info, nonce: rejected.nonce, message: 'cluster other: unsupported' },
    }),
  );
  // Sending the same config again would only be rejected again.
  await client.expectNoResponse(300);

  fx.publish(withResources(echoMesh(), { ...other, loadBalancer: 'least_request' }));
  const fixed = await client.next();
  expect(fixed.type_url).toBe(CDS);
  expect(fixed.version_info).not.toBe(rejected.version_info);
  expect(sotwNames(fixed)).toEqual([...ENVOY_CLUSTERS, 'other'].sort());
});
