import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostState, HostStateCache, type HostState } from '../fabric/compiler';
import { securityGroupFlows } from '../fabric/compiler/security-groups';
import { ControllerServer, CookieSpace, DesiredFlows, FlowSync } from '../fabric/openflow/controller';
import { formatFlow, formatGroups, hostViewFromMesh, tableId, type PipelineFlow } from '../fabric/pipeline';
import { createLogger } from '../src/log';
import { KINDS } from '../src/model/kinds';
import { applyResources, type Mesh } from '../src/model/mesh';
import type { ReportedHost } from '../src/model/host';
import type { SecurityGroup } from '../src/model/security-group';
import { startCluster, type Cluster } from '../test/harness/cluster';
import { startControlledBridge } from '../test/fabric/openflow/controller/controlled-bridge';
import type { OvsHost } from '../test/harness/ovs-host';
import { FlowMonitor, type FlowEvent } from './secgroups-monitor';
import { meshOf, NETWORK, policyDocuments, reportedHosts, ruleCount, yamlOf, type PolicyDocuments } from './secgroups-mesh';
import { benchReport } from './report';
import { median, percentile, positiveInt, round } from './stats';

/**
 * `npm run bench:secgroups` — security groups at 1,000 endpoints × 100 rules (the policy of
 * bench/secgroups-mesh.ts), three ways:
 *
 * 1. compile: `hostState(mesh, hosts, host)` for every host of a 10-host mesh, repeatedly;
 *    time per host, flows per host and per rule, and what the same rules would cost as
 *    plain flows without conjunctions (members × peers × ports per rule, computed from the
 *    clause flows themselves).
 * 2. apply: one host's whole state into a real br-int (userspace OVS) through the
 *    controller's FlowSync, against `ovs-ofctl --bundle add-groups` + `--bundle
 *    replace-flows` of the same flows (same cookies); tables must dump identically. Then a
 *    one-rule change (a port moved) applied incrementally by both, with the flow changes
 *    each sends.
 * 3. latency: a 3-host cluster (test/harness/cluster.ts: in-process control plane, real
 *    agents and pods); a SecurityGroup change through the REST API until the rule's new
 *    flow is on every host's br-int, seen by OVS's flow monitor (no polling). Once with a
 *    small policy (one group over the pods), once with the whole 1,000 × 100 policy.
 *
 * Environment:
 *   BENCH_SECGROUPS_ENDPOINTS  endpoints of the policy, default 1000
 *   BENCH_SECGROUPS_HOSTS      hosts of the compile scenario, default 10
 *   BENCH_SECGROUPS_ROUNDS     compile rounds (over every host) and installs per tool, default 5
 *   BENCH_SECGROUPS_CHANGES    API changes per latency scenario, default 50
 *   BENCH_SECGROUPS_ONLY       run only these parts, e.g. "compile,apply"
 * stdout: one JSON line per metric; stderr: progress. Needs root and Open vSwitch for (2)
 * and (3), and the compiled plugin for (3) (`npm run build`).
 */

const BENCH = 'secgroups';
const OWNER = 0x1;
const DPID = 0x5ec6n;
const TUNNEL_OFPORT = 60_000;
/** The one-rule change: the first port of api-0's first ingress rule (shared with other rules' flows). */
const CHANGED_GROUP = 'api-0';
const log = createLogger('bench', 'warn');

const config = {
  endpoints: positiveInt(process.env.BENCH_SECGROUPS_ENDPOINTS, 1000),
  hosts: positiveInt(process.env.BENCH_SECGROUPS_HOSTS, 10),
  rounds: positiveInt(process.env.BENCH_SECGROUPS_ROUNDS, 5),
  changes: positiveInt(process.env.BENCH_SECGROUPS_CHANGES, 50),
  only: new Set((process.env.BENCH_SECGROUPS_ONLY ?? 'compile,apply,latency').split(',').map((s) => s.trim())),
};

const { emit, progress } = benchReport(BENCH);

async function main(): Promise<void> {
  progress(`${os.cpus().length} CPUs, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${JSON.stringify({ ...config, only: [...config.only] })}`);
  const started = performance.now();
  const hosts = Array.from({ length: config.hosts }, (_, i) => `host-${i}`);
  const docs = policyDocuments({ endpoints: config.endpoints, hosts, firstOfport: 1 });
  const mesh = meshOf(docs);
  const reported = reportedHosts(hosts, TUNNEL_OFPORT);
  if (config.only.has('compile')) compile(docs, mesh, reported);
  if (config.only.has('apply')) await apply(docs, mesh, reported);
  if (config.only.has('latency')) await latency();
  progress(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// ---- 1. compile ------------------------------------------------------------------------

function compile(docs: PolicyDocuments, mesh: Mesh, reported: ReportedHost[]): void {
  const scenario = `compile endpoints=${config.endpoints} rules=${ruleCount(docs.groups)} hosts=${config.hosts}`;
  const hosts = reported.map((h) => h.name);
  const perHost = new Map<string, { state: number[]; security: number[] }>(hosts.map((h) => [h, { state: [], security: [] }]));
  const allHosts: number[] = [];
  // Round 0 warms the JIT up and is left out.
  for (let round = 0; round <= config.rounds; round++) {
    let roundTotal = 0;
    for (const host of hosts) {
      let start = performance.now();
      hostState(mesh, reported, host);
      const state = performance.now() - start;
      roundTotal += state;
      const view = hostViewFromMesh(mesh, reported, host)!;
      start = performance.now();
      securityGroupFlows(mesh, view);
      const security = performance.now() - start;
      if (round > 0) {
        perHost.get(host)!.state.push(state);
        perHost.get(host)!.security.push(security);
      }
    }
    if (round > 0) allHosts.push(roundTotal);
    progress(`compile round ${round}${round ? '' : ' (warm-up)'}: hostState of every host in ${Math.round(roundTotal)} ms`);
  }

  const counts = hosts.map((host) => {
    const state = hostState(mesh, reported, host)!;
    const security = securityGroupFlows(mesh, hostViewFromMesh(mesh, reported, host)!);
    return { host, total: state.flows.length, groups: state.groups.length, security: security.flows.length, rules: security.rules.length, plain: withoutConjunctions(security.flows), byFeature: byFeature(state.flows) };
  });
  const stateTimes = [...perHost.values()].flatMap((t) => t.state);
  const securityTimes = [...perHost.values()].flatMap((t) => t.security);
  const c0 = counts[0];
  const range = (f: (c: (typeof counts)[number]) => number) => ({ min: round(Math.min(...counts.map(f))), max: round(Math.max(...counts.map(f))) });

  emit(scenario, 'mesh', config.endpoints, 'endpoints', { hosts: config.hosts, endpointsPerHost: config.endpoints / config.hosts, services: docs.services.length, securityGroups: docs.groups.length, rules: ruleCount(docs.groups) });
  emit(scenario, 'host_state_compile_p50', median(stateTimes), 'ms', { p90: round(percentile(stateTimes, 90)), max: round(Math.max(...stateTimes)), samples: stateTimes.length, what: 'hostState(mesh, hosts, host): overlay + service LB + security groups of one host' });
  emit(scenario, 'security_groups_compile_p50', median(securityTimes), 'ms', { p90: round(percentile(securityTimes, 90)), max: round(Math.max(...securityTimes)), what: 'securityGroupFlows(mesh, view) alone' });
  emit(scenario, 'all_hosts_compile_p50', median(allHosts), 'ms', { hosts: config.hosts, what: 'hostState of every host, one after the other: what the controller computes for each mesh change (FabricController.reconcile)' });
  emit(scenario, 'flows_per_host', c0.total, 'flows', { host: c0.host, ...range((c) => c.total), byFeature: c0.byFeature, groups: c0.groups });
  emit(scenario, 'security_group_flows_per_host', c0.security, 'flows', { host: c0.host, ...range((c) => c.security), rulesWithFlowsHere: c0.rules });
  emit(scenario, 'security_group_flows_per_rule', c0.security / c0.rules, 'flows/rule', { host: c0.host, ...range((c) => c.security / c.rules) });
  emit(scenario, 'without_conjunctions_flows_per_host', c0.plain.flows, 'flows', {
    host: c0.host,
    ...range((c) => c.plain.flows),
    largestRule: c0.plain.largestRule,
    what: 'per rule members × peers × port prefixes (each clause’s flows here), plus the flows that are not clauses; before merging equal flows of different rules',
  });
  emit(scenario, 'conjunction_saving', c0.plain.flows / c0.security, 'ratio', { host: c0.host, ...range((c) => c.plain.flows / c.security) });

  // What every API change pays before any flow is computed: the whole mesh checked again.
  const changed = movedPort(docs, 8081);
  const checks = Array.from({ length: config.rounds + 1 }, () => {
    const start = performance.now();
    applyResources(mesh, [{ resource: changed }]);
    return performance.now() - start;
  }).slice(1);
  emit(scenario, 'mesh_check_one_group_p50', median(checks), 'ms', { what: 'applyResources(mesh, [one SecurityGroup]): the reference checks every apply runs over the whole mesh' });
}

/**
 * What the same rules need as plain flows: a rule of clauses with n1, n2, n3 alternatives
 * is n1·n2·n3 flows that each match all three. Flows that are no clause (est/rel,
 * isolation drops, single-clause rules) stay; conj_id flows go.
 */
function withoutConjunctions(flows: readonly PipelineFlow[]): { flows: number; largestRule: { conjId: number; clauses: number[]; flows: number } | undefined } {
  const clauses = new Map<number, number[]>();
  let plain = 0;
  for (const f of flows) {
    const conjunctions = f.instructions.flatMap((i) => (i.type === 'apply_actions' ? i.actions : [])).flatMap((a) => (a.type === 'conjunction' ? [a] : []));
    for (const c of conjunctions) {
      const counts = clauses.get(c.id) ?? new Array<number>(c.nClauses).fill(0);
      counts[c.clause - 1]++;
      clauses.set(c.id, counts);
    }
    if (conjunctions.length === 0 && f.match.conjId === undefined) plain++;
  }
  let largestRule: { conjId: number; clauses: number[]; flows: number } | undefined;
  for (const [conjId, counts] of clauses) {
    const product = counts.reduce((p, n) => p * n, 1);
    plain += product;
    if (!largestRule || product > largestRule.flows) largestRule = { conjId, clauses: counts, flows: product };
  }
  return { flows: plain, largestRule };
}

function byFeature(flows: readonly PipelineFlow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of flows) out[f.feature] = (out[f.feature] ?? 0) + 1;
  return out;
}

/** CHANGED_GROUP with the first port of its first ingress rule set to `port`. */
function movedPort(docs: PolicyDocuments, port: number): SecurityGroup {
  const group = docs.groups.find((g) => g.name === CHANGED_GROUP)!;
  const [first, ...rest] = group.ingress!;
  return { ...group, ingress: [{ ...first, ports: [port, ...first.ports!.slice(1)] }, ...rest] };
}

// ---- 2. apply --------------------------------------------------------------------------

async function apply(docs: PolicyDocuments, mesh: Mesh, reported: ReportedHost[]): Promise<void> {
  const hostName = reported[0].name;
  const state = hostState(mesh, reported, hostName)!;
  const changedMesh = applyResources(mesh, [{ resource: movedPort(docs, 8081) }]).mesh;
  const changed = hostState(changedMesh, reported, hostName)!;
  const scenario = `apply host=${hostName} flows=${state.flows.length} groups=${state.groups.length}`;
  const { host, server, stop } = await startControlledBridge('bench-sg', DPID, log);
  try {
    const files = { base: ofctlFiles(host, 'base', state), changed: ofctlFiles(host, 'changed', changed) };
    const baseDump = await fullInstall(scenario, host, server, state, files.base);
    await incremental(scenario, host, server, { state, changed }, files, baseDump);
  } finally {
    await stop();
  }
}

interface OfctlFiles {
  flows: string;
  groups: string;
  /** Flow identity (table, priority, match) → the rest of the line, for counting what replace-flows changes. */
  byIdentity: Map<string, string>;
}

/** The state as ovs-ofctl files, with the cookies the controller computes, so both tools install identical tables. */
function ofctlFiles(host: OvsHost, name: string, state: HostState): OfctlFiles {
  const cookies = DesiredFlows.build(state.flows, new CookieSpace(OWNER)).cookies();
  const lines = state.flows.map((f, i) => `cookie=0x${cookies[i].toString(16)}, ${formatFlow(f, { tableNames: false })}`);
  const flows = path.join(host.runDir, `${name}.flows`);
  const groups = path.join(host.runDir, `${name}.groups`);
  fs.writeFileSync(flows, lines.join('\n') + '\n');
  fs.writeFileSync(groups, formatGroups(state.groups, { tableNames: false }));
  const byIdentity = new Map(lines.map((l) => {
    const [cookie, rest] = [l.slice(0, l.indexOf(', ')), l.slice(l.indexOf(', ') + 2)];
    const at = rest.indexOf(' actions=');
    return [rest.slice(0, at), `${cookie} ${rest.slice(at + 1)}`];
  }));
  return { flows, groups, byIdentity };
}

/** Resolves with the table's dump (identical for both tools). */
async function fullInstall(scenario: string, host: OvsHost, server: ControllerServer, state: HostState, files: OfctlFiles): Promise<string> {
  const times = { loom: [] as number[], ofctl: [] as number[], ofctlGroups: [] as number[] };
  const dumps: Partial<Record<'loom' | 'ofctl', string>> = {};
  for (let round = 0; round < config.rounds; round++) {
    for (const tool of round % 2 ? (['ofctl', 'loom'] as const) : (['loom', 'ofctl'] as const)) {
      await host.ofctl('del-flows', 'br-int');
      await host.ofctl('del-groups', 'br-int');
      const start = performance.now();
      if (tool === 'loom') {
        // A fresh FlowSync each time: its first sync dumps the (empty) table, as after a connect.
        const sync = new FlowSync(server, { owner: OWNER, ownsGroups: true, checkIntervalMs: 0, timeoutMs: 300_000, log });
        const result = await sync.setFlows(DPID, state.flows, state.groups);
        times.loom.push(performance.now() - start);
        await sync.close();
        if (result.added !== state.flows.length) throw new Error(`${scenario}: the controller added ${result.added} flows, expected ${state.flows.length}`);
      } else {
        await host.ofctl('--bundle', 'add-groups', 'br-int', files.groups);
        const groupsDone = performance.now();
        await host.ofctl('--bundle', 'replace-flows', 'br-int', files.flows);
        times.ofctl.push(performance.now() - start);
        times.ofctlGroups.push(groupsDone - start);
      }
      progress(`${scenario} round ${round + 1}: ${tool} ${Math.round(times[tool].at(-1)!)} ms`);
      dumps[tool] ??= await tableDump(host);
    }
  }
  if (dumps.loom !== dumps.ofctl) throw new Error(`${scenario}: the flow tables differ between the controller and ovs-ofctl`);
  const count = Number(/flow_count=(\d+)/.exec(await host.ofctl('dump-aggregate', 'br-int'))?.[1]);
  if (count !== state.flows.length) throw new Error(`${scenario}: br-int holds ${count} flows, expected ${state.flows.length}`);
  const [loom, ofctl] = [median(times.loom), median(times.ofctl)];
  emit(scenario, 'loom_install', loom, 'ms', { rounds: times.loom.map(Math.round), flows: state.flows.length, groups: state.groups.length, what: 'fresh FlowSync.setFlows: encode, cookies, dump, one bundle with groups and flows, count' });
  emit(scenario, 'ofctl_install', ofctl, 'ms', { rounds: times.ofctl.map(Math.round), addGroupsMs: round(median(times.ofctlGroups)), what: 'ovs-ofctl --bundle add-groups, then --bundle replace-flows' });
  emit(scenario, 'ofctl_over_loom', ofctl / loom, 'ratio', { identicalTables: true });
  const builds = [0, 1, 2, 3].map(() => {
    const start = performance.now();
    DesiredFlows.build(state.flows, new CookieSpace(OWNER));
    return performance.now() - start;
  });
  emit(scenario, 'loom_encode_and_cookies', median(builds.slice(1)), 'ms', { what: 'DesiredFlows.build of the host’s flows (warm): every setFlows pays it, changed or not' });
  return dumps.loom!;
}

async function incremental(scenario: string, host: OvsHost, server: ControllerServer, states: { state: HostState; changed: HostState }, files: { base: OfctlFiles; changed: OfctlFiles }, baseDump: string): Promise<void> {
  // A long-lived FlowSync, as in the daemon: after its first sync it trusts what it installed and dumps nothing.
  const sync = new FlowSync(server, { owner: OWNER, ownsGroups: true, checkIntervalMs: 0, timeoutMs: 300_000, log });
  try {
    await host.ofctl('del-flows', 'br-int');
    await host.ofctl('del-groups', 'br-int');
    await sync.setFlows(DPID, states.state.flows, states.state.groups);
    const loom: number[] = [];
    const ofctl: number[] = [];
    let loomChanges: { added: number; deleted: number } | undefined;
    for (let round = 0; round < config.rounds; round++) {
      for (const to of ['changed', 'state'] as const) {
        const start = performance.now();
        const result = await sync.setFlows(DPID, states[to].flows, states[to].groups);
        loom.push(performance.now() - start);
        loomChanges ??= { added: result.added, deleted: result.deleted };
      }
      // The table ends as it began (same cookies), so the FlowSync's idea of it stays true.
      for (const to of ['changed', 'base'] as const) {
        const start = performance.now();
        await host.ofctl('--bundle', 'replace-flows', 'br-int', files[to].flows);
        ofctl.push(performance.now() - start);
      }
    }
    if ((await tableDump(host)) !== baseDump) throw new Error(`${scenario}: br-int is not back at the base state after the incremental rounds`);
    const diff = identityDiff(files.base.byIdentity, files.changed.byIdentity);
    const change = `${CHANGED_GROUP} ingress[0]: port 8080 → 8081`;
    emit(scenario, 'loom_incremental', median(loom), 'ms', { change, changes: loom.length, max: round(Math.max(...loom)), flowMods: loomChanges!.added + loomChanges!.deleted, ...loomChanges, what: 'FlowSync.setFlows of the changed set: encode and hash the whole set, diff, one bundle, count' });
    emit(scenario, 'ofctl_incremental', median(ofctl), 'ms', { change, changes: ofctl.length, max: round(Math.max(...ofctl)), flowMods: diff.added + diff.deleted + diff.modified, ...diff, what: 'ovs-ofctl --bundle replace-flows of the changed file: dump, diff, one bundle' });
  } finally {
    await sync.close();
  }
}

/** What replace-flows sends between two flow sets: an add for a new identity, a delete for a gone one, an add (modify) for changed actions or cookie. */
function identityDiff(before: Map<string, string>, after: Map<string, string>): { added: number; deleted: number; modified: number } {
  let added = 0;
  let modified = 0;
  for (const [id, rest] of after) {
    const old = before.get(id);
    if (old === undefined) added++;
    else if (old !== rest) modified++;
  }
  const deleted = [...before.keys()].filter((id) => !after.has(id)).length;
  return { added, deleted, modified };
}

async function tableDump(host: OvsHost): Promise<string> {
  const flows = await host.ofctl('dump-flows', 'br-int', '--no-stats');
  const groups = await host.ofctl('dump-groups', 'br-int');
  return sortedLines(flows + groups);
}

function sortedLines(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('OFPST_') && !l.startsWith('NXST_'))
    .sort()
    .join('\n');
}

// ---- 3. latency ------------------------------------------------------------------------

async function latency(): Promise<void> {
  const hosts = ['sga', 'sgb', 'sgc'];
  const clusterStart = performance.now();
  const cluster = await startCluster({ hosts, networks: [NETWORK], underlay: '192.168.92', logLevel: 'error' });
  const monitors: FlowMonitor[] = [];
  try {
    for (const host of hosts) for (let i = 0; i < 2; i++) await cluster.addPod(host, NETWORK.name, `sg-${host}-${i}`);
    await cluster.converged();
    progress(`latency: cluster of ${hosts.length} hosts with ${cluster.pods().length} pods up in ${Math.round(performance.now() - clusterStart)} ms`);
    for (const host of cluster.hosts) monitors.push(await FlowMonitor.start(host.name, host.ovs.runDir, 'br-int', tableId('IngressSecurity')));

    // Small: one group over the pods, its one rule's port moved at every change.
    const small = (port: number) => yamlOf([{ kind: 'SecurityGroup', name: 'lat', members: { selector: {} }, ingress: [{ protocol: 'tcp', ports: [port], from: [{ group: 'lat' }] }] }]);
    await cluster.plane.apply(small(19_999));
    await cluster.converged();
    await changes(cluster, monitors, `latency hosts=3 pods=${cluster.pods().length} groups=1 rules=1`, small, 20_000);
    const deleted = await cluster.plane.call('DELETE', '/v1/securitygroups/lat');
    if (deleted.status >= 300) throw new Error(`DELETE securitygroups/lat: ${deleted.status} ${JSON.stringify(deleted.body)}`);

    // Large: the whole policy, its endpoints spread over the three hosts (br-int ports that do not exist: OVS takes flows for them).
    const docs = policyDocuments({ endpoints: config.endpoints, hosts, firstOfport: 1000 });
    let start = performance.now();
    await cluster.plane.apply(yamlOf([...docs.services, ...docs.endpoints, ...docs.groups]));
    const applied = performance.now() - start;
    await cluster.converged(120_000);
    const installed = performance.now() - start;
    const flows = await Promise.all(cluster.hosts.map((h) => h.flowCount()));
    const scenario = `latency hosts=3 pods=${cluster.pods().length} endpoints=${config.endpoints} rules=${ruleCount(docs.groups)}`;
    emit(scenario, 'initial_policy_install', installed, 'ms', { apiMs: Math.round(applied), flowsPerHost: flows, what: 'apply of every Service, Endpoint and SecurityGroup in one request, until every br-int holds exactly hostState (converged(): polls every 50 ms)' });
    progress(`latency: ${config.endpoints} endpoints and ${ruleCount(docs.groups)} rules installed in ${Math.round(installed)} ms, flows per host ${flows.join(', ')}`);
    await controllerCompute(cluster, scenario, (port) => movedPort(docs, port));
    const large = (port: number) => yamlOf([movedPort(docs, port)]);
    await changes(cluster, monitors, scenario, large, 30_000);
    start = performance.now();
    await cluster.converged(60_000);
    progress(`latency: every host exactly at hostState after the changes (checked in ${Math.round(performance.now() - start)} ms)`);
  } finally {
    monitors.forEach((m) => m.stop());
    await cluster.stop();
  }
}

/**
 * What the controller computes for a change, outside the control plane but on its mesh
 * (read back through the API) and host reports, for each of the three hosts one after the
 * other as FabricController.reconcile does:
 * - full: hostState and DesiredFlows.build from scratch — what every change cost before
 *   the controller computed from the change;
 * - per change: the controller's own path — HostStateCache and DesiredFlows.build with the
 *   host's previous set — for the benchmark's change (api-0's first port moved), alternating
 *   between two ports so that every round is a change.
 */
async function controllerCompute(cluster: Cluster, scenario: string, changed: (port: number) => SecurityGroup): Promise<void> {
  const read: Record<string, Record<string, unknown>> = {};
  for (const [kind, { collection }] of Object.entries(KINDS)) {
    const res = await cluster.plane.call('GET', `/v1/${kind.toLowerCase()}s`);
    read[collection] = Object.fromEntries((res.body.items as { name: string }[]).map((r) => [r.name, r]));
  }
  const mesh = read as unknown as Mesh;
  const reported = (await cluster.plane.call('GET', '/v1/hosts')).body.items as ReportedHost[];
  const space = new CookieSpace(OWNER);
  const hosts = cluster.hosts.map((h) => h.name);
  const full = timeHosts(hosts, 3, {
    compile: (host) => hostState(mesh, reported, host)!,
    encode: (_host, state) => DesiredFlows.build(state.flows, space),
  });
  emit(scenario, 'controller_compute_full', median(full.compile) + median(full.encode), 'ms', {
    hostStateMs: round(median(full.compile)),
    desiredFlowsBuildMs: round(median(full.encode)),
    what: 'hostState + DesiredFlows.build from scratch for each of the 3 hosts: what a change cost before the controller computed from the change',
  });

  const cache = new HostStateCache();
  const sets = new Map<string, DesiredFlows>();
  let current = mesh;
  const perChange = timeHosts(hosts, 2 * config.rounds, {
    // Round 0 fills the cache; every later round is a change.
    before: (r) => void (r > 0 && (current = applyResources(current, [{ resource: changed(r % 2 ? 8081 : 8080) }]).mesh)),
    compile: (host) => cache.hostState(current, reported, host)!,
    encode: (host, state) => sets.set(host, DesiredFlows.build(state.flows, space, sets.get(host))),
  });
  emit(scenario, 'controller_compute_per_change', median(perChange.compile) + median(perChange.encode), 'ms', {
    hostStateMs: round(median(perChange.compile)),
    desiredFlowsBuildMs: round(median(perChange.encode)),
    max: round(Math.max(...perChange.compile.map((c, i) => c + perChange.encode[i]))),
    changes: perChange.compile.length,
    what: 'the controller’s path for one rule change, 3 hosts: HostStateCache.hostState (only what the change reaches) + DesiredFlows.build with the previous set (only new flows encoded)',
  });
}

/** Rounds 1..`rounds` (round 0 warms up and is left out): how long compiling and encoding every host took, one host after the other. */
function timeHosts(hosts: readonly string[], rounds: number, steps: { before?: (round: number) => void; compile: (host: string) => HostState; encode: (host: string, state: HostState) => unknown }): { compile: number[]; encode: number[] } {
  const times = { compile: [] as number[], encode: [] as number[] };
  for (let r = 0; r <= rounds; r++) {
    steps.before?.(r);
    let [compile, encode] = [0, 0];
    for (const host of hosts) {
      let start = performance.now();
      const state = steps.compile(host);
      compile += performance.now() - start;
      start = performance.now();
      steps.encode(host, state);
      encode += performance.now() - start;
    }
    if (r === 0) continue;
    times.compile.push(compile);
    times.encode.push(encode);
  }
  return times;
}

/**
 * `config.changes` changes, one at a time, each moving the rule to a port no flow matched
 * before (firstPort, firstPort + 1, …): from just before the API call until every host's
 * IngressSecurity holds `tcp,tp_dst=<port>`.
 */
async function changes(cluster: Cluster, monitors: readonly FlowMonitor[], scenario: string, yaml: (port: number) => string, firstPort: number): Promise<void> {
  const stamped: number[] = [];
  const observed: number[] = [];
  const api: number[] = [];
  const slowestHost = new Map<string, number>();
  for (let i = 0; i < config.changes; i++) {
    const port = firstPort + i;
    const pattern = new RegExp(`(^|,)tp_dst=${port}[ ,]`);
    const seen = monitors.map((m) => m.next((e: FlowEvent) => e.event === 'ADDED' && pattern.test(e.flow), 30_000));
    const [wall, start] = [Date.now(), performance.now()];
    await cluster.plane.apply(yaml(port));
    api.push(performance.now() - start);
    const events = await Promise.all(seen);
    const last = events.reduce((a, b) => (b.readAt > a.readAt ? b : a));
    observed.push(last.readAt - start);
    stamped.push(Math.max(...events.map((e) => e.stampedAt)) - wall);
    const slowest = monitors[events.indexOf(last)].name;
    slowestHost.set(slowest, (slowestHost.get(slowest) ?? 0) + 1);
    if (config.changes <= 10 || i % 10 === 9) progress(`${scenario}: change ${i + 1}: all hosts in ${observed.at(-1)!.toFixed(1)} ms (API ${api.at(-1)!.toFixed(1)} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const sane = stamped.every((s, i) => Math.abs(s - observed[i]) < 1000);
  if (!sane) progress(`${scenario}: ovs-ofctl's timestamps disagree with this process's clock by more than 1 s; reporting the observed times only`);
  emit(scenario, 'api_to_all_hosts_p50', percentile(observed, 50), 'ms', { changes: observed.length, goal: 'p99 < 200 ms (OpenShift’s reference: ≤ 10 s)', what: 'from the API call until this process has read, from every host’s flow monitor, the rule’s new flow' });
  emit(scenario, 'api_to_all_hosts_p99', percentile(observed, 99), 'ms', { p90: round(percentile(observed, 90)), slowest5: [...observed].sort((a, b) => b - a).slice(0, 5).map(round), slowestHost: Object.fromEntries(slowestHost) });
  if (sane) {
    emit(scenario, 'api_to_all_hosts_ovs_stamped_p50', percentile(stamped, 50), 'ms', { what: 'the same, to ovs-ofctl monitor’s own timestamp of the last host’s update (1 ms resolution, not delayed by this process)' });
    emit(scenario, 'api_to_all_hosts_ovs_stamped_p99', percentile(stamped, 99), 'ms', { max: Math.max(...stamped) });
  }
  emit(scenario, 'api_call_p50', percentile(api, 50), 'ms', { p99: round(percentile(api, 99)), what: 'POST /v1/apply until this process reads its response: parse, checks, commit — and the controller’s reconcile, which runs right after the change, before this process (the same event loop) gets to read the response' });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    progress(`failed: ${(err as Error).stack ?? String(err)}`);
    emit('bench', 'failed', 1, 'bool', { reason: (err as Error).message });
    process.exit(1);
  },
);
