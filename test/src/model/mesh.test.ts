import { InvalidInputError } from '../../../src/errors';
import { parseResourceDocuments } from '../../../src/model/documents';
import { applyResources, deleteResource, emptyMesh, listResources, type Mesh } from '../../../src/model/mesh';

const apply = (mesh: Mesh, yaml: string) => applyResources(mesh, parseResourceDocuments(yaml, 'mesh.yaml'));
const SERVICE = 'kind: Service\nname: echo\nports: [{port: 50051, protocol: grpc}]\n';
const ENDPOINT = 'kind: Endpoint\nname: b1\nservice: echo\naddress: 10.0.0.1\nport: 1\n';
const NETWORK = 'kind: Network\nname: pods\ncidr: 10.0.0.0/24\nvni: 7\n';

describe('applyResources', () => {
  it('creates, then reports unchanged and configured resources', () => {
    const first = apply(emptyMesh(), `${SERVICE}---\n${ENDPOINT}`);
    expect(first.created).toEqual(['service/echo', 'endpoint/b1']);
    const second = apply(first.mesh, `${SERVICE}---\n${ENDPOINT.replace('port: 1', 'port: 2')}`);
    expect(second).toMatchObject({ unchanged: ['service/echo'], configured: ['endpoint/b1'], created: [] });
    expect(second.mesh.endpoints.b1.port).toBe(2);
    expect(first.mesh.endpoints.b1.port).toBe(1);
  });

  it('keeps what a change leaves alone as the same objects: untouched collections, and resources applied unchanged', () => {
    const { mesh } = apply(emptyMesh(), `${NETWORK}---\n${SERVICE}---\n${ENDPOINT}`);
    const next = apply(mesh, `${SERVICE}---\nkind: Route\nname: r\nservice: echo\n`).mesh;
    expect(next.routes).not.toBe(mesh.routes);
    for (const c of ['services', 'endpoints', 'networks', 'securityGroups'] as const) expect(next[c]).toBe(mesh[c]);
    // A changed endpoint copies its collection; the unchanged service in the same apply stays.
    const moved = apply(next, `${SERVICE}---\n${ENDPOINT.replace('port: 1', 'port: 2')}`).mesh;
    expect(moved.endpoints).not.toBe(next.endpoints);
    expect(moved.services).toBe(next.services);
  });

  it.each([
    ['an endpoint of a missing service', ENDPOINT, /\(Endpoint b1\): service: service "echo" does not exist; known services: \(none\)/],
    ['a route to a missing service', 'kind: Route\nname: r\nservice: echo\n', /service "echo" does not exist/],
    ['a route destination to a missing service', `${SERVICE}---\nkind: Route\nname: r\nservice: echo\nrules: [{destinations: [{service: nope}]}]\n`, /document 2 \(Route r\): rules\[0\]\.destinations\[0\]\.service: service "nope" does not exist; known services: echo/],
    ['two routes for one service', `${SERVICE}---\nkind: Route\nname: r1\nservice: echo\n---\nkind: Route\nname: r2\nservice: echo\n`, /already has Route "r1"/],
    ['affinity on a non-hashing balancer', `${SERVICE.replace('grpc}]', 'grpc}]\nloadBalancer: least_request')}---\nkind: Route\nname: r\nservice: echo\nrules: [{affinity: {header: x-user}}]\n`, /needs a hashing load balancer but service "echo" uses least_request/],
  ])('refuses %s and changes nothing', (_name, yaml, message) => {
    const before = emptyMesh();
    expect(() => apply(before, yaml)).toThrow(message);
    expect(before).toEqual(emptyMesh());
  });

  it.each([
    ['an endpoint in a missing network', `${SERVICE}---\n${ENDPOINT}network: pods\n`, /network "pods" does not exist; known networks: \(none\)/],
    ['an endpoint outside its network', `${NETWORK}---\n${SERVICE}---\n${ENDPOINT.replace('10.0.0.1', '10.9.0.1')}network: pods\n`, /address: 10.9.0.1 is outside network "pods" \(10.0.0.0\/24\)/],
    ['two endpoints with one IP in a network', `${NETWORK}---\n${SERVICE}---\n${ENDPOINT}network: pods\n---\n${ENDPOINT.replace('b1', 'b2')}network: pods\n`, /Endpoint b2\): address: 10.0.0.1 is already used by Endpoint "b1" in network "pods"/],
    ['two networks with one VNI', `${NETWORK}---\n${NETWORK.replace('name: pods', 'name: other')}`, /VNI 7 is already used by Network "other"/],
  ])('refuses %s', (_name, yaml, message) => {
    expect(() => apply(emptyMesh(), yaml)).toThrow(message);
  });

  it('allows the same IP in two networks with overlapping CIDRs', () => {
    const yaml = `${NETWORK}---\n${NETWORK.replace('name: pods', 'name: blue').replace('vni: 7', 'vni: 8')}---\n${SERVICE}---\n${ENDPOINT}network: pods\n---\n${ENDPOINT.replace('b1', 'b2')}network: blue\n`;
    expect(apply(emptyMesh(), yaml).created).toContain('endpoint/b2');
  });

  it('refuses a whole file when one document is wrong', () => {
    const { mesh } = apply(emptyMesh(), SERVICE);
    expect(() => apply(mesh, `${ENDPOINT}---\nkind: Route\nname: r\nservice: missing\n`)).toThrow(InvalidInputError);
    expect(listResources(mesh, 'Endpoint')).toEqual([]);
  });
});

describe('deleteResource', () => {
  it('refuses to delete a service that endpoints still use, naming them', () => {
    const { mesh } = apply(emptyMesh(), `${SERVICE}---\n${ENDPOINT}`);
    expect(() => deleteResource(mesh, 'Service', 'echo')).toThrow(/still referred to by Endpoint b1/);
    const withoutEndpoint = deleteResource(mesh, 'Endpoint', 'b1');
    expect(listResources(deleteResource(withoutEndpoint, 'Service', 'echo'), 'Service')).toEqual([]);
  });

  it('says when the resource does not exist', () => {
    expect(() => deleteResource(emptyMesh(), 'Route', 'nope')).toThrow('Route "nope" not found');
  });
});
