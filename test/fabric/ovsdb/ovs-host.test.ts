import fs from 'node:fs';
import { run } from '../../harness/netns';
import { assertOvsPrerequisites, leftoverNamespaces, OvsPrerequisiteError, startOvsdbServer, startOvsHost } from '../../harness/ovs-host';

/** Processes (not zombies) whose command line mentions `text`. */
async function processesMentioning(text: string): Promise<string[]> {
  const ps = await run('ps', ['-eo', 'stat=,args=']);
  return ps.split('\n').filter((line) => line.includes(text) && !line.trim().startsWith('Z'));
}

describe('OVS test harness', () => {
  it('checks prerequisites, and says how to get them', () => {
    expect(() => assertOvsPrerequisites()).not.toThrow();
    expect(new OvsPrerequisiteError('missing ovs-vswitchd').message).toBe('missing ovs-vswitchd: run as root with openvswitch-switch installed: scripts/setup.sh --test');
  });

  it('starts a host in well under a second, in its own namespace, and leaves nothing behind', async () => {
    const started = Date.now();
    const host = await startOvsHost('h');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(host.netns).toMatch(new RegExp(`^loom-h-${process.pid}-\\d+$`));
    expect(await run('ip', ['netns', 'list'])).toContain(host.netns);
    expect(await host.exec('ip', ['-br', 'link', 'show', 'lo'])).toMatch(/^lo\s+UNKNOWN/);
    expect(fs.existsSync(host.dbSocket)).toBe(true);
    // ovs-vswitchd is connected and has applied the configuration.
    expect(Number(await host.vsctl('get', 'Open_vSwitch', '.', 'cur_cfg'))).toBeGreaterThan(0);
    expect(await processesMentioning(host.runDir)).toHaveLength(2);

    await host.stop();
    await host.stop();
    expect(leftoverNamespaces()).not.toContain(host.netns);
    expect(fs.existsSync(host.runDir)).toBe(false);
    expect(await processesMentioning(host.runDir)).toEqual([]);
  });

  it('restarting ovs-vswitchd loses the userspace flows but keeps the bridge', async () => {
    await using host = await startOvsHost('restart');
    await host.vsctl('add-br', 'br-int', '--', 'set', 'Bridge', 'br-int', 'datapath_type=netdev', 'fail_mode=secure', 'protocols=OpenFlow13');
    await host.ofctl('add-flow', 'br-int', 'table=0,priority=10,actions=drop');
    expect(await host.ofctl('dump-flows', 'br-int')).toContain('priority=10 actions=drop');
    const restarting = Date.now();
    await host.restartVswitchd();
    expect(Date.now() - restarting).toBeLessThan(1000);
    expect(await host.ofctl('dump-flows', 'br-int')).toBe('OFPST_FLOW reply (OF1.3) (xid=0x2):\n');
    expect(await host.appctl('dpif/show')).toContain('br-int');
  });

  it('gives hosts started in parallel their own namespaces and run dirs', async () => {
    const hosts = await Promise.all(['a', 'b', 'a'].map((name) => startOvsHost(name)));
    try {
      expect(new Set(hosts.map((h) => h.netns)).size).toBe(3);
      expect(new Set(hosts.map((h) => h.runDir)).size).toBe(3);
    } finally {
      await Promise.all(hosts.map((h) => h.stop()));
    }
  });

  it('runs a bare ovsdb-server on unix and TCP, restarting on the same port', async () => {
    await using server = await startOvsdbServer({ tcp: true });
    const tcp = server.tcpRemote!;
    expect(tcp).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
    expect(await run('ovsdb-client', ['list-dbs', tcp])).toContain('Open_vSwitch');
    await server.restart();
    expect(server.tcpRemote).toBe(tcp);
    expect(await run('ovsdb-client', ['list-dbs', server.unixRemote])).toContain('Open_vSwitch');
  });
});
