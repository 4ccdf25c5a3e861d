import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Logger } from '../../log';
import type { CheckStatus } from '../registry';
import type { CatalogState } from './catalog-state';
import { MAX_CHECK_OUTPUT, setCheckStatus, updateTtlCheck, type AgentNode } from './catalog-writes';
import type { CheckRecord, CheckRun } from './records';

/**
 * Runs the agent's checks, as a Consul agent does: HTTP and TCP checks every interval
 * (one run at a time per check), TTL checks go critical when not updated in time, and a
 * service whose check stays critical for `DeregisterCriticalServiceAfter` is
 * deregistered. Results go through the catalog, so a status change wakes the queries
 * watching the service; an unchanged status writes nothing.
 */
export class CheckRunner {
  private readonly running = new Map<string, RunningCheck>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly state: CatalogState,
    private readonly agent: AgentNode,
    private readonly log: Logger,
  ) {
    // Checks restored from disk start spread over their interval, so a restart does not
    // probe every service at once; a new registration is probed at once.
    for (const c of state.checksOnNode(agent.node)) if (c.Run) this.arm(c, true);
    this.unsubscribe = state.onCheckChange((check, node, checkId) => {
      if (node !== agent.node) return;
      const k = checkId;
      const current = this.running.get(k);
      if (!check) return this.disarm(k);
      if (!check.Run) return this.disarm(k);
      if (!current || JSON.stringify(current.run) !== JSON.stringify(check.Run)) this.arm(check, false);
      else this.statusChanged(current, check.Status);
    });
  }

  /** `/v1/agent/check/pass|warn|fail|update`: sets the status and restarts the TTL. */
  updateTtl(checkId: string, status: CheckStatus, output = ''): number {
    const index = updateTtlCheck(this.state, this.agent, checkId, status, output);
    const running = this.running.get(checkId);
    if (running?.run.ttlMs !== undefined) this.startTtl(running);
    return index;
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const k of [...this.running.keys()]) this.disarm(k);
  }

  private arm(check: CheckRecord, stagger: boolean): void {
    this.disarm(check.CheckID);
    const run = check.Run!;
    const r: RunningCheck = { checkId: check.CheckID, run, successes: 0, failures: 0 };
    this.running.set(check.CheckID, r);
    if (run.ttlMs !== undefined) this.startTtl(r);
    else {
      const first = stagger ? Math.floor(Math.random() * (run.intervalMs ?? 0)) : 0;
      r.timer = setTimeout(() => void this.probe(r), first);
    }
    this.statusChanged(r, check.Status);
  }

  private disarm(checkId: string): void {
    const r = this.running.get(checkId);
    if (!r) return;
    clearTimeout(r.timer);
    clearTimeout(r.reap);
    r.inFlight?.abort();
    r.stopped = true;
    this.running.delete(checkId);
  }

  private startTtl(r: RunningCheck): void {
    clearTimeout(r.timer);
    r.timer = setTimeout(() => this.report(r, 'critical', 'TTL expired'), r.run.ttlMs);
  }

  private async probe(r: RunningCheck): Promise<void> {
    if (r.stopped || this.closed) return;
    r.inFlight = new AbortController();
    const { status, output } = r.run.http ? await httpProbe(r.run, r.inFlight.signal) : await tcpProbe(r.run.tcp!, r.run.timeoutMs!);
    r.inFlight = undefined;
    if (r.stopped || this.closed) return;
    this.result(r, status, output);
    r.timer = setTimeout(() => void this.probe(r), r.run.intervalMs);
  }

  /** Consul's thresholds: SuccessBeforePassing, FailuresBeforeWarning, FailuresBeforeCritical. */
  private result(r: RunningCheck, status: CheckStatus, output: string): void {
    if (status === 'passing') {
      r.failures = 0;
      r.successes++;
      if (r.successes >= (r.run.successBeforePassing ?? 0)) this.report(r, 'passing', output);
      return;
    }
    if (status === 'warning') return this.report(r, 'warning', output);
    r.successes = 0;
    r.failures++;
    const critical = r.run.failuresBeforeCritical ?? 0;
    const warning = r.run.failuresBeforeWarning ?? critical;
    if (r.failures >= critical) this.report(r, 'critical', output);
    else if (r.failures >= warning) this.report(r, 'warning', output);
  }

  /**
   * Writes a status change. An unchanged status is not written, even with new output:
   * output alone would wake every watcher of the service on every run (Consul defers
   * output-only updates for the same reason, `check_update_interval`).
   */
  private report(r: RunningCheck, status: CheckStatus, output: string): void {
    if (r.stopped || this.closed) return;
    if (this.state.check(this.agent.node, r.checkId)?.Status === status) return;
    setCheckStatus(this.state, this.agent.node, r.checkId, status, output.slice(0, MAX_CHECK_OUTPUT));
  }

  private statusChanged(r: RunningCheck, status: CheckStatus): void {
    const after = r.run.deregisterCriticalAfterMs;
    if (status !== 'critical' || !after) {
      clearTimeout(r.reap);
      r.reap = undefined;
      return;
    }
    r.reap ??= setTimeout(() => this.reapService(r.checkId), after);
  }

  private reapService(checkId: string): void {
    const check = this.state.check(this.agent.node, checkId);
    if (!check?.ServiceID || check.Status !== 'critical') return;
    this.log.info({ service: check.ServiceID, check: checkId }, 'deregistering a service whose check stayed critical (DeregisterCriticalServiceAfter)');
    this.state.write((tx) => tx.deleteService(this.agent.node, check.ServiceID));
  }
}

interface RunningCheck {
  checkId: string;
  run: CheckRun;
  successes: number;
  failures: number;
  timer?: NodeJS.Timeout;
  reap?: NodeJS.Timeout;
  inFlight?: AbortController;
  stopped?: boolean;
}

interface ProbeResult {
  status: CheckStatus;
  output: string;
}

/** 2xx passing, 429 warning, anything else (or no answer in time) critical — Consul's rule. */
function httpProbe(run: CheckRun, signal: AbortSignal): Promise<ProbeResult> {
  const url = new URL(run.http!);
  const method = run.method ?? 'GET';
  const headers = Object.fromEntries(Object.entries(run.header ?? {}).map(([k, v]) => [k, v.join(', ')]));
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = lib.request(url, { method, headers, timeout: run.timeoutMs, signal, rejectUnauthorized: !run.tlsSkipVerify }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < MAX_CHECK_OUTPUT) body += chunk;
      });
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        const status: CheckStatus = code >= 200 && code < 300 ? 'passing' : code === 429 ? 'warning' : 'critical';
        resolve({ status, output: `HTTP ${method} ${run.http}: ${code} ${res.statusMessage ?? ''} Output: ${body}` });
      });
      res.on('error', (err) => resolve({ status: 'critical', output: `HTTP ${method} ${run.http}: ${err.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${run.timeoutMs} ms`)));
    req.on('error', (err) => resolve({ status: 'critical', output: `HTTP ${method} ${run.http}: ${err.message}` }));
    req.end(run.body);
  });
}

function tcpProbe(address: string, timeoutMs: number): Promise<ProbeResult> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ status: 'critical', output: `dial tcp ${address}: i/o timeout` }));
    socket.once('connect', () => done({ status: 'passing', output: `TCP connect ${address}: Success` }));
    socket.once('error', (err) => done({ status: 'critical', output: `dial tcp ${address}: ${err.message}` }));
  });
}
