import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';
import { createLogger } from '../../../src/log';
import { DEFAULT_INIT_IMAGE, DEFAULT_PROXY_IMAGE, type InjectionConfig } from '../../../sidecar/inject/injection-config';
import { startWebhookServer, type WebhookServer } from '../../../sidecar/inject/webhook-server';
import { kubeSchemaErrors } from '../harness/kube-schema';
import { makeThrowawayTls, type ThrowawayTls } from '../harness/throwaway-tls';

/** The webhook over HTTPS, fed AdmissionReview JSON the way kube-apiserver sends it. */
const CONFIG: InjectionConfig = {
  xds: { host: 'loom-xds.loom-system.svc', port: 18000 },
  proxyImage: DEFAULT_PROXY_IMAGE,
  initImage: DEFAULT_INIT_IMAGE,
  nativeSidecar: true,
  redirectBackend: 'auto',
};

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const REVIEW: Json = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/admission-review-pod.json'), 'utf8'));

function review(change: (request: Json) => void = () => {}): Json {
  const r = structuredClone(REVIEW);
  change(r.request);
  return r;
}

let tls: ThrowawayTls;
let server: WebhookServer;

function post(urlPath: string, body: unknown, ca = fs.readFileSync(tls.caCert)): Promise<{ status: number; body: Json }> {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port: server.address.port, path: urlPath, method: 'POST', ca, headers: { 'content-type': 'application/json', accept: 'application/json, */*' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** What kube-apiserver does with the response: decode the patch and apply it to the pod. */
function patched(request: Json, response: Json): Json {
  const patch = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as Operation[];
  return applyPatch(structuredClone(request.object), patch, true, false).newDocument;
}

beforeAll(async () => {
  tls = makeThrowawayTls();
  server = await startWebhookServer({ listen: { host: '127.0.0.1', port: 0 }, tlsCert: tls.serverCert, tlsKey: tls.serverKey, config: CONFIG, log: createLogger('test', 'silent'), certPollMs: 50 });
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(tls.dir, { recursive: true, force: true });
});

describe('admission webhook over HTTPS', () => {
  it('injects a pod of an opted-in namespace, with a patch kube-apiserver can apply to a valid pod', async () => {
    const request = review();
    const { status, body } = await post('/inject/namespace-enabled?timeout=10s', request);
    expect(status).toBe(200);
    expect(body).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: request.request.uid, allowed: true, patchType: 'JSONPatch' } });
    const pod = patched(request.request, body.response);
    expect(kubeSchemaErrors(pod)).toEqual([]);
    expect(pod.spec.initContainers.map((c: Json) => [c.name, c.restartPolicy])).toEqual([
      ['loom-redirect', undefined],
      ['loom-proxy', 'Always'],
    ]);
    expect(pod.spec.containers.map((c: Json) => c.name)).toEqual(['web']);
    const proxy = pod.spec.initContainers[1];
    expect(proxy.args).toEqual(expect.arrayContaining(['--service-node', '$(POD_NAME).$(POD_NAMESPACE)']));
    expect(proxy.securityContext).toMatchObject({ runAsUser: 1337, runAsNonRoot: true });
    expect(proxy.startupProbe.httpGet).toEqual({ path: '/ready', port: 15021 });
    expect(pod.spec.initContainers[0].securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_ADMIN'] });
    expect(pod.spec.initContainers[0].args).toEqual(['--backend', 'auto', '--proxy-uid', '1337']);
    expect(pod.metadata.annotations['loom.io/status']).toBe('injected');
    expect(JSON.parse(pod.metadata.annotations['loom.io/envoy-bootstrap']).node).toEqual({ cluster: 'web' });
    expect(pod.spec.volumes.map((v: Json) => v.name)).toEqual(['kube-api-access-x7k2p', 'loom-bootstrap']);
  });

  it('injects a pod that opts in by annotation where the namespace did not, with its exclusions', async () => {
    const request = review((r) => {
      r.object.metadata.annotations = { 'loom.io/inject': 'true', 'loom.io/exclude-outbound-cidrs': '169.254.169.254,10.96.0.0/12', 'loom.io/proxy-cpu': '200m' };
    });
    const { body } = await post('/inject', request);
    expect(body.response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });
    const pod = patched(request.request, body.response);
    expect(kubeSchemaErrors(pod)).toEqual([]);
    expect(pod.spec.initContainers[0].args).toEqual(['--backend', 'auto', '--proxy-uid', '1337', '--exclude-outbound-cidrs', '169.254.169.254/32,10.96.0.0/12']);
    expect(pod.spec.initContainers[1].resources.requests.cpu).toBe('200m');
    expect(pod.metadata.annotations['loom.io/inject']).toBe('true');
  });

  it.each([
    ['opted out by annotation', '/inject/namespace-enabled', (r: Json) => (r.object.metadata.annotations = { 'loom.io/inject': 'false' })],
    ['in a namespace that did not opt in, without annotation', '/inject', () => {}],
    ['in kube-system, even with the annotation', '/inject/namespace-enabled', (r: Json) => ((r.namespace = 'kube-system'), (r.object.metadata.annotations = { 'loom.io/inject': 'true' }))],
    ['in kube-public', '/inject/namespace-enabled', (r: Json) => (r.namespace = 'kube-public')],
    ['using the host network', '/inject/namespace-enabled', (r: Json) => (r.object.spec.hostNetwork = true)],
    ['that is an UPDATE, not a CREATE', '/inject/namespace-enabled', (r: Json) => (r.operation = 'UPDATE')],
  ])('allows a pod %s unchanged', async (_name, urlPath, change) => {
    const request = review(change);
    const { body } = await post(urlPath, request);
    expect(body.response).toEqual({ uid: request.request.uid, allowed: true });
  });

  it('does not inject an already injected pod twice', async () => {
    const first = review();
    const once = patched(first.request, (await post('/inject/namespace-enabled', first)).body.response);
    const again = review((r) => (r.object = once));
    expect((await post('/inject/namespace-enabled', again)).body.response).toEqual({ uid: again.request.uid, allowed: true });
  });

  it('refuses a bad annotation with a clear message naming it and what is accepted, and patches nothing', async () => {
    const request = review((r) => (r.object.metadata.annotations = { 'loom.io/exclude-inbound-ports': '8080,http', 'loom.io/proxy-memory': 'lots', 'loom.io/exclude-ports': '1' }));
    const { status, body } = await post('/inject/namespace-enabled', request);
    expect(status).toBe(200);
    expect(body.response.allowed).toBe(false);
    expect(body.response.patch).toBeUndefined();
    expect(body.response.status.code).toBe(400);
    expect(body.response.status.message).toBe(
      'Loom sidecar injection refused this pod: 3 problems, nothing was applied:\n' +
        '  - pod shop/web-7c9f8d6b5-*: metadata.annotations["loom.io/exclude-ports"]: unknown Loom annotation; accepted: loom.io/inject, loom.io/exclude-inbound-ports, loom.io/exclude-outbound-ports, loom.io/exclude-outbound-cidrs, loom.io/exclude-outbound-uids, loom.io/proxy-image, loom.io/proxy-cpu, loom.io/proxy-memory, loom.io/proxy-cpu-limit, loom.io/proxy-memory-limit\n' +
        '  - pod shop/web-7c9f8d6b5-*: metadata.annotations["loom.io/exclude-inbound-ports"]: "http" is not a port; expected comma-separated ports 1-65535, e.g. 8080,9090\n' +
        '  - pod shop/web-7c9f8d6b5-*: metadata.annotations["loom.io/proxy-memory"]: "lots" is not a Kubernetes quantity; expected e.g. 100m or 0.5 (CPU), 128Mi or 1Gi (memory)',
    );
  });

  it('refuses a bad loom.io/inject value rather than guessing', async () => {
    const request = review((r) => (r.object.metadata.annotations = { 'loom.io/inject': 'yes' }));
    const { body } = await post('/inject', request);
    expect(body.response).toMatchObject({ allowed: false, status: { code: 400, message: expect.stringContaining('metadata.annotations["loom.io/inject"]: "yes" is not "true" or "false"') } });
  });

  it('answers what is not an AdmissionReview with 400, unknown paths with 404, and /healthz', async () => {
    expect(await post('/inject', '{not json')).toMatchObject({ status: 400, body: { error: expect.stringContaining('not JSON') } });
    expect(await post('/inject', { kind: 'Pod' })).toMatchObject({ status: 400, body: { error: expect.stringContaining('expected an AdmissionReview') } });
    expect(await post('/mutate', review())).toMatchObject({ status: 404 });
    const health = await new Promise<number>((resolve, reject) =>
      https.get({ host: '127.0.0.1', port: server.address.port, path: '/healthz', ca: fs.readFileSync(tls.caCert) }, (res) => resolve(res.statusCode!)).on('error', reject),
    );
    expect(health).toBe(200);
  });

  it('serves a renewed certificate without a restart', async () => {
    const renewed = makeThrowawayTls();
    fs.copyFileSync(renewed.serverKey, tls.serverKey);
    fs.copyFileSync(renewed.serverCert, tls.serverCert);
    const deadline = Date.now() + 5000;
    let result: { status: number } | undefined;
    while (!result && Date.now() < deadline) {
      result = await post('/inject', review(), fs.readFileSync(renewed.caCert)).catch(() => undefined);
      if (!result) await new Promise((r) => setTimeout(r, 50));
    }
    expect(result?.status).toBe(200);
    await expect(post('/inject', review())).rejects.toThrow(/self.signed|unable to verify|certificate/i);
    fs.rmSync(renewed.dir, { recursive: true, force: true });
  });
});
