import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kubeSchemaErrors } from '../harness/kube-schema';
import { runSidecarCommand } from '../harness/run-sidecar-command';

/**
 * `loom inject -f` on realistic manifests, against golden files next to them
 * (`<name>.injected.yaml`; LOOM_UPDATE_GOLDEN=1 rewrites them). Every output document must
 * validate against the Kubernetes schema.
 */
const FIXTURES = path.join(__dirname, '../fixtures/inject');
const XDS = ['--xds', 'loom-xds.loom-system.svc:18000'];

function golden(name: string, actual: string): string {
  const file = path.join(FIXTURES, name);
  if (process.env.LOOM_UPDATE_GOLDEN === '1') fs.writeFileSync(file, actual);
  return fs.readFileSync(file, 'utf8');
}

function schemaErrors(text: string): string[] {
  return parseAllDocuments(text).flatMap((d) => kubeSchemaErrors(d.toJS()));
}

describe('loom inject', () => {
  it.each([
    ['deployment.yaml', [], 'deployment.injected.yaml', ['document 1 (Deployment web): injected']],
    ['job.yaml', [], 'job.injected.yaml', ['document 1 (Job nightly-report): injected']],
    [
      'job.yaml',
      ['--kube-version', '1.28'],
      'job.k8s-1.28.injected.yaml',
      [
        'document 1 (Job nightly-report): injected',
        'document 1 (Job nightly-report): warning: the proxy runs as a regular container (native sidecars need Kubernetes 1.29+), so this pod does not complete when its containers finish: have the last one call POST http://127.0.0.1:15000/quitquitquit',
      ],
    ],
    [
      'multi.yaml',
      [],
      'multi.injected.yaml',
      [
        'document 2 (StatefulSet cart): injected',
        'document 3 (CronJob cleanup): injected',
        'document 4 (DaemonSet node-agent): not injected: opted out by annotation loom.io/inject: "false"',
        'document 5 (Pod debug): injected',
        'document 5 (ReplicaSet coredns-extra): not injected: namespace kube-system is never injected',
      ],
    ],
  ])('%s %j matches %s, and validates', async (input, flags, output, report) => {
    const r = await runSidecarCommand(['inject', '-f', path.join(FIXTURES, input), ...XDS, ...flags]);
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe(golden(output, r.stdout));
    expect(r.stderr).toBe(report.map((l) => `loom inject: ${l}\n`).join(''));
    expect(schemaErrors(r.stdout)).toEqual([]);
  });

  it('changes nothing when run again on its own output', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-inject-'));
    const once = await runSidecarCommand(['inject', '-f', path.join(FIXTURES, 'multi.yaml'), ...XDS]);
    fs.writeFileSync(path.join(dir, 'once.yaml'), once.stdout);
    const twice = await runSidecarCommand(['inject', '-f', path.join(dir, 'once.yaml'), ...XDS]);
    expect(twice.stdout).toBe(once.stdout);
    expect(twice.stderr).toContain('document 2 (StatefulSet cart): not injected: already injected');
    fs.rmSync(dir, { recursive: true });
  });

  it('refuses a file with bad annotations as a whole, naming file, line, document, resource and field', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-inject-'));
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(
      file,
      fs.readFileSync(path.join(FIXTURES, 'job.yaml'), 'utf8') +
        '---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    loom.io/proxy-cpu: "2"\n    loom.io/proxy-cpu-limit: 500m\nspec:\n  containers: [{name: a, image: busybox}]\n',
    );
    const r = await runSidecarCommand(['inject', '-f', file, ...XDS]);
    expect(r.stdout).toBe('');
    expect(r.error?.message).toBe(
      `${file}:24: document 2 (Pod p): metadata.annotations["loom.io/proxy-cpu"]: the proxy's request 2 exceeds its limit 500m; loom.io/proxy-cpu must be at most loom.io/proxy-cpu-limit (nothing was applied)`,
    );
    fs.rmSync(dir, { recursive: true });
  });

  it('refuses bad flags before reading anything', async () => {
    const r = await runSidecarCommand(['inject', '-f', '/nonexistent.yaml', '--kube-version', 'latest', '--proxy-image', 'Envoy Proxy']);
    expect(r.error?.message).toBe(
      '2 problems, nothing was applied:\n' +
        '  - --proxy-image: "Envoy Proxy" is not an image reference; expected e.g. envoyproxy/envoy:v1.32.3 or registry.example.com/envoy@sha256:…\n' +
        '  - --kube-version: "latest" is not a Kubernetes version; expected major.minor, e.g. 1.28 or v1.30.2',
    );
  });
});
