import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { run } from '../../harness/netns';
import { assertPluginBuilt, brIntPorts, type ControlPlane, installHostFlows, LOOM_CNI, type LoomHost, startControlPlane, startLoomHost } from '../../harness/pod';

/**
 * podman as the CNI runtime (rootful, CNI backend, runc; see /work/shared/RECIPES.md):
 * it calls the real plugin for VERSION, ADD and DEL. Flows are installed with ovs-ofctl
 * from `hostFlows` (see cni-controller.test.ts for the controller). Containers get their addresses from
 * the cluster IPAM through the agent, and `podman rm` releases them. Everything podman
 * keeps (storage, run state, configuration) lives in a temp dir of this test.
 *
 * Needs podman (scripts/setup.sh --test installs podman containernetworking-plugins runc
 * busybox-static); where it is missing the suite fails saying so — it is never skipped.
 */

const PODMAN_PACKAGES = ['podman', 'runc', 'busybox'];
const missing = PODMAN_PACKAGES.filter((bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0);

const NETWORK = 'kind: Network\nname: blue\ncidr: 10.66.0.0/24\nvni: 6600\ngateway: 10.66.0.1\n';
const IMAGE = 'localhost/busybox:loom-test';

describe('podman runs containers on a Loom network', () => {
  beforeAll(() => {
    if (missing.length) throw new Error(`${missing.join(', ')} not installed: apt-get install -y podman containernetworking-plugins runc busybox-static (scripts/setup.sh --test)`);
  });

  let plane: ControlPlane;
  let host: LoomHost;
  let dir: string;
  const podman = (...args: string[]) =>
    run('podman', ['--root', path.join(dir, 'storage'), '--runroot', path.join(dir, 'run'), ...args], { env: { ...process.env, CONTAINERS_CONF: path.join(dir, 'containers.conf') }, timeoutMs: 60_000 });

  beforeAll(async () => {
    assertPluginBuilt();
    plane = await startControlPlane(NETWORK);
    host = await startLoomHost('podman-a', { apiUrl: plane.apiUrl, underlay: '192.168.66.1/24' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-podman-'));
    for (const sub of ['plugins', 'net.d', 'rootfs/bin', 'rootfs/etc', 'rootfs/tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    // podman finds plugins by their type in cni_plugin_dirs.
    fs.symlinkSync(LOOM_CNI, path.join(dir, 'plugins', 'loom-cni'));
    fs.writeFileSync(
      path.join(dir, 'net.d', 'loomnet.conflist'),
      JSON.stringify({ cniVersion: '1.0.0', name: 'loomnet', plugins: [{ type: 'loom-cni', network: 'blue', agentSocket: host.socket }] }),
    );
    fs.writeFileSync(
      path.join(dir, 'containers.conf'),
      [
        '[containers]',
        'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
        '[engine]',
        'runtime = "runc"',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        '[network]',
        'network_backend = "cni"',
        `cni_plugin_dirs = ["${path.join(dir, 'plugins')}", "/usr/lib/cni"]`,
        `network_config_dir = "${path.join(dir, 'net.d')}"`,
        '',
      ].join('\n'),
    );
    // An image without a registry: busybox and its applets.
    fs.copyFileSync('/bin/busybox', path.join(dir, 'rootfs/bin/busybox'));
    fs.chmodSync(path.join(dir, 'rootfs/bin/busybox'), 0o755);
    for (const applet of ['sh', 'sleep', 'ping', 'ip', 'cat']) fs.symlinkSync('busybox', path.join(dir, 'rootfs/bin', applet));
    const tar = spawnSync('sh', ['-c', `tar -C ${dir}/rootfs -c . | podman --root ${dir}/storage --runroot ${dir}/run import - ${IMAGE}`], { env: { ...process.env, CONTAINERS_CONF: path.join(dir, 'containers.conf') }, encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`podman import failed: ${tar.stderr}`);
  }, 60_000);

  afterAll(async () => {
    if (dir) {
      await podman('rm', '-f', '-a').catch(() => undefined);
      // Storage holds overlay mounts while containers exist; podman's own reset removes them.
      await podman('system', 'reset', '-f').catch(() => undefined);
    }
    await host?.stop();
    await plane?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const endpoints = async () => (await plane.call('GET', '/v1/endpoints')).body.items as { name: string; address: string; mac: string; host: string }[];
  const containerIp = async (name: string) => (await podman('exec', name, 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0')).match(/inet (\S+)/)![1];

  test('two containers get addresses from the cluster IPAM, reach each other once flows are installed, and `podman rm` releases them', async () => {
    for (const name of ['loom-a', 'loom-b']) await podman('run', '-d', '--name', name, '--cap-add', 'NET_RAW', '--network', 'loomnet', IMAGE, 'sleep', '300');
    expect([await containerIp('loom-a'), await containerIp('loom-b')]).toEqual(['10.66.0.2/24', '10.66.0.3/24']);
    // podman passes the container's name as K8S_POD_NAME (no namespace): the endpoints are named after it.
    expect((await endpoints()).map((e) => [e.name, e.host, e.address]).sort()).toEqual([
      ['loom-a', 'podman-a', '10.66.0.2'],
      ['loom-b', 'podman-a', '10.66.0.3'],
    ]);
    expect((await brIntPorts(host.ovs)).filter((p) => p.externalIds['iface-id'])).toHaveLength(2);
    expect(await podman('exec', 'loom-a', 'cat', '/sys/class/net/eth0/mtu')).toBe('1450\n');

    await installHostFlows(host, plane, { blue: 1 });
    const bIp = (await containerIp('loom-b')).split('/')[0];
    await expect(podman('exec', 'loom-a', 'ping', '-c', '1', '-W', '2', bIp)).resolves.toMatch(/1 packets received/);

    await podman('rm', '-f', 'loom-a', 'loom-b');
    expect(await endpoints()).toEqual([]);
    expect((await brIntPorts(host.ovs)).filter((p) => p.externalIds['iface-id'])).toEqual([]);
    // Both addresses are free again.
    for (const ip of ['10.66.0.2', '10.66.0.3']) {
      expect((await plane.call('POST', '/v1/networks/blue/allocations', { owner: `probe-${ip}`, host: 'x', ip })).status).toBe(200);
    }
  }, 60_000);
});
