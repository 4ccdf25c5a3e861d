import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Netns, run } from './netns';

/**
 * Real Open vSwitch instances for tests (see /work/shared/RECIPES.md).
 *
 * `startOvsHost()` is one simulated host: a network namespace with its own ovsdb-server
 * and ovs-vswitchd (userspace datapath; the kernel one is not available here), all files
 * in a fresh run dir. `startOvsdbServer()` is a bare ovsdb-server in the root namespace,
 * for OVSDB protocol tests: it can listen on TCP (a TCP remote inside a namespace is not
 * reachable from the tests) and be restarted on the same addresses.
 *
 * Daemons run in the foreground as children of the test process, so `stop()` reaps them
 * (`--detach`ed daemons would be orphans, and the VMs' init does not reap orphans). Both
 * kinds of instance are `AsyncDisposable` (`await using host = await startOvsHost('a')`),
 * `stop()` is idempotent, and whatever a test forgot is killed when the process exits.
 * Names embed the pid and a counter, so jest workers running in parallel never collide.
 * A start that fails cleans up what it had started.
 */

export const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';
const BINARIES = ['ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-ofctl', 'ovs-appctl', 'ovsdb-tool', 'ovsdb-client', 'ip'];
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 3_000;
/** How long `ovs-vsctl` waits for ovs-vswitchd to apply a change. */
const VSCTL_TIMEOUT_S = 10;

/** The machine cannot run OVS tests. */
export class OvsPrerequisiteError extends Error {
  constructor(missing: string) {
    super(`${missing}: run as root with openvswitch-switch installed: scripts/setup.sh --test`);
    this.name = 'OvsPrerequisiteError';
  }
}

let prerequisitesChecked = false;

/** Throws `OvsPrerequisiteError` unless running as root with the OVS tools installed. Cheap after the first call. */
export function assertOvsPrerequisites(): void {
  if (prerequisitesChecked) return;
  if (process.getuid?.() !== 0) throw new OvsPrerequisiteError('OVS tests need root (network namespaces, OVS daemons)');
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  const missing = BINARIES.filter((bin) => !dirs.some((dir) => fs.existsSync(path.join(dir, bin))));
  if (missing.length) throw new OvsPrerequisiteError(`missing ${missing.join(', ')}`);
  if (!fs.existsSync(VSWITCH_SCHEMA)) throw new OvsPrerequisiteError(`missing ${VSWITCH_SCHEMA}`);
  prerequisitesChecked = true;
}

export interface OvsHost extends AsyncDisposable {
  /** The name given to `startOvsHost`. */
  readonly name: string;
  /** The network namespace ovs-vswitchd (and its bridges' devices) live in: `loom-<name>-<pid>-<n>`. */
  readonly netns: string;
  /** OVS_RUNDIR of both daemons: database, sockets (`<bridge>.mgmt`, unixctl), logs. */
  readonly runDir: string;
  /** ovsdb-server's unix socket; reachable from the root namespace. */
  readonly dbSocket: string;
  /** `unix:<dbSocket>`, for OVSDB clients. */
  readonly dbRemote: string;
  /** `ovs-vsctl` on this host's database; changes wait (up to 10 s) for ovs-vswitchd. Resolves with stdout. */
  vsctl(...args: string[]): Promise<string>;
  /** `ovs-ofctl -O OpenFlow13 …`; bridges are found through their `<runDir>/<bridge>.mgmt` socket. */
  ofctl(...args: string[]): Promise<string>;
  /** `ovs-appctl` to ovs-vswitchd, e.g. `dpctl/dump-flows`, `dpctl/dump-conntrack`. */
  appctl(...args: string[]): Promise<string>;
  /** Runs a command inside the host's namespace to completion; resolves with stdout. */
  exec(cmd: string, args?: readonly string[]): Promise<string>;
  /** The daemon's log so far (e.g. to look for "Flow API Enabled"). */
  readLog(daemon: 'ovs-vswitchd' | 'ovsdb-server'): string;
  /**
   * Stops ovs-vswitchd and starts it again, as an OVS restart or crash does: userspace
   * flows are lost, the database stays. Resolves once the new ovs-vswitchd has applied
   * the configuration (bridges exist again, `ofctl` works).
   */
  restartVswitchd(): Promise<void>;
  /** Stops both daemons, deletes the namespace and the run dir. Idempotent. */
  stop(): Promise<void>;
}

export interface OvsdbServer extends AsyncDisposable {
  readonly runDir: string;
  /** The database file (`ovsdb-tool` can change a standalone one while the server is down). */
  readonly dbFile: string;
  readonly unixRemote: string;
  /** `tcp:127.0.0.1:<port>` when started with `tcp: true`; the port is kept across restarts. */
  readonly tcpRemote: string | undefined;
  /** Stops the server, awaits `whileDown`, starts it again on the same remotes. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  /** `ovs-appctl` to the server, e.g. `ovsdb-server/reconnect` (drops every client). */
  appctl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface OvsdbServerOptions {
  /** Default: the Open_vSwitch schema. */
  schema?: string;
  /** Also listen on 127.0.0.1 (a free port). */
  tcp?: boolean;
  /** A one-server raft cluster, which keeps transaction history (`monitor_cond_since` can resume). */
  clustered?: boolean;
}

/**
 * Instances not stopped yet, killed (and their namespaces deleted) when the process
 * exits. Jest loads this module again for every test file but shares the process, so the
 * set and its one exit hook hang off `process`. Tests should still stop what they start
 * (`await using`, or `afterAll`): a daemon killed while the process exits is not reaped.
 */
interface Leftover {
  killSync(): void;
}
const LEFTOVERS = Symbol.for('loom.test.ovs-host.leftovers');
const proc = process as NodeJS.Process & { [LEFTOVERS]?: Set<Leftover> };
const leftovers = (proc[LEFTOVERS] ??= (() => {
  const set = new Set<Leftover>();
  process.once('exit', () => {
    for (const l of set) l.killSync();
  });
  return set;
})());

/** One OVS daemon run in the foreground; its stderr is kept for error messages. */
class Daemon {
  private stderr = '';
  readonly exited: Promise<void>;
  private exitCode: number | null | undefined;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exitCode = code;
        resolve();
      });
      child.once('error', (err) => {
        this.stderr += err.message;
        this.exitCode = -1;
        resolve();
      });
    });
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  failure(what: string): Error {
    const log = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    const status = this.running ? 'still running' : `exited with ${this.exitCode}`;
    return new Error(`${this.name} ${what} (${status}):\n${this.stderr}\n${log}`.trim());
  }

  async waitUntil(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (!this.running) throw this.failure(`stopped while waiting until ${what}`);
      if (await check()) return;
      if (Date.now() > deadline) throw this.failure(`not ready within ${READY_TIMEOUT_MS} ms: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  killSync(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function ovsEnv(runDir: string): NodeJS.ProcessEnv {
  return { ...process.env, OVS_RUNDIR: runDir, OVS_DBDIR: runDir, OVS_LOGDIR: runDir, OVS_SYSCONFDIR: runDir };
}

function makeRunDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `loom-ovs-${name}-`));
}

/** Starts one simulated host: namespace, ovsdb-server (initialised), ovs-vswitchd. */
export async function startOvsHost(name = 'host'): Promise<OvsHost> {
  assertOvsPrerequisites();
  const host = new OvsHostInstance(name, await Netns.create(name), makeRunDir(name));
  leftovers.add(host);
  try {
    await host.start();
  } catch (err) {
    await host.stop();
    throw err;
  }
  return host;
}

class OvsHostInstance implements OvsHost {
  readonly dbSocket: string;
  readonly dbRemote: string;
  private ovsdb: Daemon | undefined;
  private vswitchd: Daemon | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly ns: Netns,
    readonly runDir: string,
  ) {
    this.dbSocket = path.join(runDir, 'db.sock');
    this.dbRemote = `unix:${this.dbSocket}`;
  }

  get netns(): string {
    return this.ns.name;
  }

  async start(): Promise<void> {
    const dbFile = path.join(this.runDir, 'conf.db');
    await run('ovsdb-tool', ['create', dbFile, VSWITCH_SCHEMA]);
    this.ovsdb = this.spawnDaemon('ovsdb-server', [dbFile, `--remote=punix:${this.dbSocket}`]);
    await this.ovsdb.waitUntil(() => canConnect(this.dbSocket), `${this.dbSocket} accepts connections`);
    await this.vsctl('--no-wait', 'init');
    await this.startVswitchd();
  }

  vsctl(...args: string[]): Promise<string> {
    return run('ovs-vsctl', [`--db=${this.dbRemote}`, `--timeout=${VSCTL_TIMEOUT_S}`, ...args], { env: ovsEnv(this.runDir) });
  }

  ofctl(...args: string[]): Promise<string> {
    return run('ovs-ofctl', ['-O', 'OpenFlow13', ...args], { env: ovsEnv(this.runDir) });
  }

  appctl(...args: string[]): Promise<string> {
    return run('ovs-appctl', ['-t', path.join(this.runDir, 'ovs-vswitchd.ctl'), ...args], { env: ovsEnv(this.runDir) });
  }

  exec(cmd: string, args: readonly string[] = []): Promise<string> {
    return this.ns.exec(cmd, args);
  }

  readLog(daemon: 'ovs-vswitchd' | 'ovsdb-server'): string {
    const file = path.join(this.runDir, `${daemon}.log`);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  async restartVswitchd(): Promise<void> {
    await this.vswitchd?.stop();
    await this.startVswitchd();
  }

  /** Waits until ovs-vswitchd has applied the configuration (as `ovs-vsctl` does: bump `next_cfg`, wait for `cur_cfg`). */
  private async syncVswitchd(): Promise<void> {
    const reply = await run('ovsdb-client', [
      'transact',
      this.dbRemote,
      JSON.stringify([
        'Open_vSwitch',
        { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['next_cfg', '+=', 1]] },
        { op: 'select', table: 'Open_vSwitch', where: [], columns: ['next_cfg'] },
      ]),
    ]);
    const cfg = (JSON.parse(reply) as [unknown, { rows: { next_cfg: number }[] }])[1].rows[0].next_cfg;
    await this.vsctl('wait-until', 'Open_vSwitch', '.', `cur_cfg>=${cfg}`);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all([this.vswitchd?.stop(), this.ovsdb?.stop()]);
      await this.ns.delete();
      fs.rmSync(this.runDir, { recursive: true, force: true });
      leftovers.delete(this);
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  killSync(): void {
    this.vswitchd?.killSync();
    this.ovsdb?.killSync();
    this.ns.deleteSync();
    fs.rmSync(this.runDir, { recursive: true, force: true });
  }

  private async startVswitchd(): Promise<void> {
    const ctl = path.join(this.runDir, 'ovs-vswitchd.ctl');
    this.vswitchd = this.spawnDaemon('ovs-vswitchd', [this.dbRemote]);
    await this.vswitchd.waitUntil(() => canConnect(ctl), `${ctl} accepts connections`);
    await this.syncVswitchd();
  }

  private spawnDaemon(name: 'ovsdb-server' | 'ovs-vswitchd', args: string[]): Daemon {
    const logFile = path.join(this.runDir, `${name}.log`);
    const child = this.ns.spawn(name, [...args, `--unixctl=${path.join(this.runDir, `${name}.ctl`)}`, `--log-file=${logFile}`, '-vconsole:off'], {
      env: ovsEnv(this.runDir),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return new Daemon(name, child, logFile);
  }
}

/** Starts a bare ovsdb-server in the root namespace (for protocol tests: unix and TCP). */
export async function startOvsdbServer(options: OvsdbServerOptions = {}): Promise<OvsdbServer> {
  assertOvsPrerequisites();
  const server = new OvsdbServerInstance(makeRunDir('ovsdb'), options);
  leftovers.add(server);
  try {
    await server.create();
    await server.start();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

class OvsdbServerInstance implements OvsdbServer {
  readonly dbFile: string;
  readonly unixRemote: string;
  private readonly socket: string;
  private readonly schema: string;
  private tcpPort: number | undefined;
  private daemon: Daemon | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly runDir: string,
    private readonly options: OvsdbServerOptions,
  ) {
    this.dbFile = path.join(runDir, 'db.db');
    this.socket = path.join(runDir, 'db.sock');
    this.unixRemote = `unix:${this.socket}`;
    this.schema = options.schema ?? VSWITCH_SCHEMA;
  }

  get tcpRemote(): string | undefined {
    return this.tcpPort === undefined ? undefined : `tcp:127.0.0.1:${this.tcpPort}`;
  }

  async create(): Promise<void> {
    if (this.options.clustered) await run('ovsdb-tool', ['create-cluster', this.dbFile, this.schema, `unix:${path.join(this.runDir, 'raft.sock')}`]);
    else await run('ovsdb-tool', ['create', this.dbFile, this.schema]);
  }

  async start(): Promise<void> {
    const logFile = path.join(this.runDir, 'ovsdb-server.log');
    const args = [this.dbFile, `--remote=punix:${this.socket}`, `--unixctl=${this.ctl}`, `--log-file=${logFile}`, '-vconsole:off'];
    if (this.options.tcp) args.push(`--remote=ptcp:${this.tcpPort ?? 0}:127.0.0.1`);
    const child = spawn('ovsdb-server', args, { env: ovsEnv(this.runDir), stdio: ['ignore', 'ignore', 'pipe'] });
    this.daemon = new Daemon('ovsdb-server', child, logFile);
    await this.daemon.waitUntil(() => canConnect(this.socket), `${this.socket} accepts connections`);
    if (this.options.tcp && this.tcpPort === undefined) {
      await this.daemon.waitUntil(() => (this.tcpPort = listeningPort(logFile)) !== undefined, 'it logs its TCP port');
    }
    if (this.options.clustered) {
      const name = (JSON.parse(fs.readFileSync(this.schema, 'utf8')) as { name: string }).name;
      // Its control socket may not accept connections yet: not ready either.
      const leader = () => this.appctl('cluster/status', name).then((status) => /Role: leader/.test(status), () => false);
      await this.daemon.waitUntil(leader, 'the one-server cluster has a leader');
    }
  }

  async restart(whileDown?: () => Promise<void>): Promise<void> {
    await this.daemon?.stop();
    await whileDown?.();
    await this.start();
  }

  appctl(...args: string[]): Promise<string> {
    return run('ovs-appctl', ['-t', this.ctl, ...args], { env: ovsEnv(this.runDir) });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.daemon?.stop();
      fs.rmSync(this.runDir, { recursive: true, force: true });
      leftovers.delete(this);
    })();
    return this.stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  killSync(): void {
    this.daemon?.killSync();
    fs.rmSync(this.runDir, { recursive: true, force: true });
  }

  private get ctl(): string {
    return path.join(this.runDir, 'ovsdb-server.ctl');
  }
}

/** ovsdb-server logs the port it bound for `ptcp:0`; `list-remotes` shows only the 0. */
function listeningPort(logFile: string): number | undefined {
  if (!fs.existsSync(logFile)) return undefined;
  const m = /listening on port (\d+)/.exec(fs.readFileSync(logFile, 'utf8'));
  return m ? Number(m[1]) : undefined;
}

/** For tests that want to assert a clean machine: namespaces this process created that still exist. */
export function leftoverNamespaces(): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name.startsWith('loom-') && name.includes(`-${process.pid}-`));
}
