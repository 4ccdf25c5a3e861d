import pino from 'pino';
import { OvsdbDatabase } from '../../../fabric/ovsdb/database';
import { flowBasedVxlanPort } from '../../../fabric/ovsdb/vswitch/port-plan';
import { InterfaceError, interfaceStatus } from '../../../fabric/ovsdb/vswitch/interface-status';
import { BridgeError, ensureBridge, ensurePort, removePort, setControllers, setHwOffload } from '../../../fabric/ovsdb/vswitch/vswitch';
import { VSWITCH_DATABASE, VSWITCH_TABLES, findByName } from '../../../fabric/ovsdb/vswitch/vswitch-tables';
import { startOvsHost, type OvsHost } from '../../harness/ovs-host';

/** Against a real ovs-vswitchd (userspace datapath only: this machine has no OVS kernel module). */
describe('vswitch helpers on a real OVS host', () => {
  let host: OvsHost;
  let db: OvsdbDatabase;
  beforeAll(async () => {
    host = await startOvsHost('vswitch');
    db = await OvsdbDatabase.open({ remote: host.dbRemote, database: VSWITCH_DATABASE, tables: VSWITCH_TABLES });
  });
  afterAll(async () => {
    await db?.close();
    await host?.stop();
  });

  it('creates br-int: the kernel datapath fails here, so it falls back to netdev and says why', async () => {
    const logged: { msg: string; bridge: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    const result = await ensureBridge(db, { name: 'br-int' }, { log });
    expect(logged).toMatchObject([{ bridge: 'br-int', msg: 'kernel datapath does not work here; using the userspace datapath (netdev)' }]);
    expect(result).toEqual({
      uuid: expect.any(String),
      name: 'br-int',
      datapathType: 'netdev',
      fallback: { from: 'system', reason: expect.stringMatching(/^ovs-vswitchd could not create it: its local interface got no OpenFlow port/) },
    });
    expect((await host.vsctl('get', 'Bridge', 'br-int', 'datapath_type', 'fail_mode', 'protocols')).split('\n')).toEqual(['netdev', 'secure', '[OpenFlow13]', '']);
    expect(interfaceStatus(db.replica, 'br-int')).toEqual({ name: 'br-int', type: 'internal', ofport: 65534, error: undefined });
    // The bridge really speaks OpenFlow 1.3 only, and secure mode left it without the NORMAL flow.
    expect(await host.ofctl('dump-flows', 'br-int')).toBe('OFPST_FLOW reply (OF1.3) (xid=0x2):\n');
  });

  it('is idempotent: a working bridge keeps its datapath and nothing is sent', async () => {
    const seqno = db.seqno;
    expect(await ensureBridge(db, { name: 'br-int' })).toEqual({ uuid: expect.any(String), name: 'br-int', datapathType: 'netdev', fallback: undefined });
    expect(db.seqno).toBe(seqno);
  });

  it('refuses the kernel datapath when asked for it explicitly, with the reason', async () => {
    await expect(ensureBridge(db, { name: 'br-sys', datapathType: 'system' })).rejects.toThrow(BridgeError);
    await expect(ensureBridge(db, { name: 'br-sys', datapathType: 'system' })).rejects.toThrow(/^bridge br-sys \(datapath_type=system\) does not work: ovs-vswitchd could not create it/);
    await host.vsctl('del-br', 'br-sys');
  });

  it('adds a flow-based VXLAN port and reads back its OpenFlow port number', async () => {
    const status = await ensurePort(db, flowBasedVxlanPort('br-int', 'vxlan0'));
    expect(status).toEqual({ name: 'vxlan0', type: 'vxlan', ofport: expect.any(Number), error: undefined });
    expect(status.ofport).toBeGreaterThan(0);
    expect((await host.vsctl('get', 'Interface', 'vxlan0', 'options', 'ofport')).split('\n')).toEqual(['{key=flow, remote_ip=flow}', String(status.ofport), '']);
    expect(await host.ofctl('show', 'br-int')).toContain(`${status.ofport}(vxlan0)`);
  });

  it('adds a veth end as a system port, and reports Interface.error for a device that does not exist', async () => {
    await host.exec('ip', ['link', 'add', 'pod0', 'type', 'veth', 'peer', 'name', 'pod0-peer']);
    await host.exec('ip', ['link', 'set', 'pod0', 'up']);
    const status = await ensurePort(db, { bridge: 'br-int', name: 'pod0', externalIds: { 'iface-id': 'pod-a' }, ofportRequest: 10 });
    expect(status).toEqual({ name: 'pod0', type: '', ofport: 10, error: undefined });
    expect(await host.vsctl('get', 'Interface', 'pod0', 'external_ids:iface-id')).toBe('pod-a\n');

    const missing = await ensurePort(db, { bridge: 'br-int', name: 'nosuchdev' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InterfaceError);
    expect((missing as Error).message).toBe('interface nosuchdev: could not open network device nosuchdev (No such device)');
    expect(interfaceStatus(db.replica, 'nosuchdev')).toMatchObject({ ofport: -1 });
    await removePort(db, 'nosuchdev');
    expect(findByName(db.replica, 'Port', 'nosuchdev')).toBeUndefined();
  });

  it('sets several controllers with fail_mode secure, keeping the rows of targets that stay', async () => {
    const targets = [`unix:${host.runDir}/controller.sock`, 'tcp:127.0.0.1:6653'];
    await setControllers(db, { bridge: 'br-int', targets });
    expect(await host.vsctl('get-controller', 'br-int')).toBe(`tcp:127.0.0.1:6653\nunix:${host.runDir}/controller.sock\n`);
    const kept = (await host.vsctl('--columns=_uuid', 'find', 'Controller', 'target=tcp\\:127.0.0.1\\:6653')).trim();
    await setControllers(db, { bridge: 'br-int', targets: ['tcp:127.0.0.1:6653'] });
    expect((await host.vsctl('--columns=_uuid', 'find', 'Controller', 'target=tcp\\:127.0.0.1\\:6653')).trim()).toBe(kept);
    expect(await host.vsctl('get-controller', 'br-int')).toBe('tcp:127.0.0.1:6653\n');
    expect(await host.vsctl('get-fail-mode', 'br-int')).toBe('secure\n');
    await expect(setControllers(db, { bridge: 'br-int', targets: ['6653'] })).rejects.toThrow('bridge br-int: controller target "6653" not understood; accepted: tcp:IP[:PORT]');
    await setControllers(db, { bridge: 'br-int', targets: [] });
    expect(await host.vsctl('get-controller', 'br-int')).toBe('');
  });

  it('sets other_config:hw-offload, and ovs-vswitchd enables its flow API', async () => {
    await setHwOffload(db, true);
    expect(await host.vsctl('get', 'Open_vSwitch', '.', 'other_config:hw-offload')).toBe('"true"\n');
    expect(host.readLog('ovs-vswitchd')).toContain('Flow API Enabled');
  });
});
