import type { CheckStatus } from '../registry';
import type { CatalogState, NewCheck, NewService } from './catalog-state';
import { ConsulHttpError } from './consul-http-error';
import type { AgentCheck, AgentService, CatalogDeregister, CatalogRegister } from './consul-requests';
import type { CheckRun } from './records';

/**
 * The writes of the Consul API, each one transaction on the catalog: validated input in
 * (see consul-requests.ts), every remaining problem found before the first change, so a
 * refused request stores nothing.
 */

/** The node this registry is the agent of: agent registrations land there. */
export interface AgentNode {
  node: string;
  address: string;
  datacenter: string;
}

/** Consul raises intervals below this (agent/checks MinInterval) rather than hammer a service. */
export const MIN_CHECK_INTERVAL_MS = 1000;
const DEFAULT_CHECK_TIMEOUT_MS = 10_000;
/** Consul keeps at most this much of a check's output. */
export const MAX_CHECK_OUTPUT = 4096;

export function agentRegisterService(state: CatalogState, agent: AgentNode, req: AgentService): number {
  const name = req.Name?.trim();
  if (!name) throw new ConsulHttpError(400, 'Missing service name');
  const id = req.ID?.trim() || name;
  const specs = [...(req.Check ? [req.Check] : []), ...(req.Checks ?? [])];
  const checks = specs.map((spec, i) => agentCheck(agent, spec, specs.length === 1 ? `service:${id}` : `service:${id}:${i + 1}`, id, name, state));
  const ids = checks.map((c) => c.CheckID);
  const duplicate = ids.find((c, i) => ids.indexOf(c) !== i);
  if (duplicate) throw new ConsulHttpError(400, `Invalid check: CheckID "${duplicate}" is used twice`);
  const taken = checks.find((c) => {
    const existing = state.check(agent.node, c.CheckID);
    return existing && existing.ServiceID !== id;
  });
  if (taken) throw new ConsulHttpError(400, `Invalid check: CheckID "${taken.CheckID}" already belongs to ${state.check(agent.node, taken.CheckID)!.ServiceID || 'the node'}`);

  const service: NewService = {
    Node: agent.node,
    ID: id,
    Service: name,
    Tags: req.Tags ?? [],
    Address: req.Address ?? '',
    Port: req.Port ?? 0,
    Meta: req.Meta ?? {},
    Weights: { Passing: req.Weights?.Passing ?? 1, Warning: req.Weights?.Warning ?? 1 },
    EnableTagOverride: req.EnableTagOverride ?? false,
    TaggedAddresses: taggedAddresses(req.TaggedAddresses),
    Agent: true,
  };
  return state.write((tx) => {
    tx.putService(service);
    for (const old of state.ownChecks(agent.node, id)) if (!ids.includes(old.CheckID)) tx.deleteCheck(agent.node, old.CheckID);
    for (const c of checks) tx.putCheck(c);
  }).index;
}

/** A registration's check, keeping the status of a check it replaces unless a status is given (as Consul does). */
function agentCheck(agent: AgentNode, spec: AgentCheck, defaultId: string, serviceId: string, serviceName: string, state: CatalogState): NewCheck {
  const checkId = spec.CheckID || spec.ID || defaultId;
  const existing = state.check(agent.node, checkId);
  const kept = existing && !spec.Status ? { Status: existing.Status, Output: existing.Output } : { Status: spec.Status ?? 'critical', Output: '' };
  return {
    Node: agent.node,
    CheckID: checkId,
    Name: spec.Name || `Service '${serviceName}' check`,
    Notes: spec.Notes ?? '',
    ...kept,
    ServiceID: serviceId,
    ServiceName: serviceName,
    Type: spec.TTL !== undefined ? 'ttl' : spec.HTTP ? 'http' : 'tcp',
    Run: checkRun(spec),
  };
}

function checkRun(spec: AgentCheck): CheckRun {
  const run: CheckRun = {};
  if (spec.TTL !== undefined) run.ttlMs = spec.TTL;
  else {
    if (spec.HTTP) {
      run.http = spec.HTTP;
      run.method = spec.Method || 'GET';
      if (spec.Header) run.header = spec.Header;
      if (spec.Body) run.body = spec.Body;
      if (spec.TLSSkipVerify) run.tlsSkipVerify = true;
    } else run.tcp = spec.TCP;
    run.intervalMs = Math.max(spec.Interval ?? 0, MIN_CHECK_INTERVAL_MS);
    run.timeoutMs = spec.Timeout && spec.Timeout > 0 ? spec.Timeout : DEFAULT_CHECK_TIMEOUT_MS;
  }
  if (spec.DeregisterCriticalServiceAfter) run.deregisterCriticalAfterMs = spec.DeregisterCriticalServiceAfter;
  if (spec.SuccessBeforePassing) run.successBeforePassing = spec.SuccessBeforePassing;
  if (spec.FailuresBeforeWarning) run.failuresBeforeWarning = spec.FailuresBeforeWarning;
  if (spec.FailuresBeforeCritical) run.failuresBeforeCritical = spec.FailuresBeforeCritical;
  return run;
}

export function agentDeregisterService(state: CatalogState, agent: AgentNode, id: string): number {
  if (!state.service(agent.node, id)) throw new ConsulHttpError(404, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
  return state.write((tx) => tx.deleteService(agent.node, id)).index;
}

/** A TTL check's new status (`/v1/agent/check/pass|warn|fail/:id`, `/update/:id`). */
export function updateTtlCheck(state: CatalogState, agent: AgentNode, checkId: string, status: CheckStatus, output = ''): number {
  const check = state.check(agent.node, checkId);
  if (!check) throw new ConsulHttpError(404, `Unknown check ID "${checkId}". Ensure that the check ID is passed, not the check name.`);
  if (check.Type !== 'ttl') throw new ConsulHttpError(500, `CheckID "${checkId}" does not have associated TTL`);
  return setCheckStatus(state, agent.node, checkId, status, output.slice(0, MAX_CHECK_OUTPUT));
}

/** Used by the check runner and TTL updates; a no-op when nothing changes. */
export function setCheckStatus(state: CatalogState, node: string, checkId: string, status: CheckStatus, output: string): number {
  return state.write((tx) => {
    const check = state.check(node, checkId);
    if (!check) return;
    const { CreateIndex: _c, ModifyIndex: _m, ...rest } = check;
    tx.putCheck({ ...rest, Status: status, Output: output });
  }).index;
}

export function catalogRegister(state: CatalogState, agent: AgentNode, req: CatalogRegister): number {
  const node = req.Node?.trim();
  if (!node) throw new ConsulHttpError(400, 'Missing node name');
  if (!req.Address?.trim()) throw new ConsulHttpError(400, 'Missing node address');
  checkDatacenter(req.Datacenter, agent);
  const svc = req.Service;
  const serviceName = svc ? svc.Service?.trim() : undefined;
  if (svc && !serviceName) throw new ConsulHttpError(400, 'Missing service name');
  const serviceId = svc ? svc.ID?.trim() || serviceName! : undefined;

  const checks = [...(req.Check ? [req.Check] : []), ...(req.Checks ?? [])].map((c, i): NewCheck => {
    const checkId = c.CheckID?.trim() || c.Name?.trim();
    if (!checkId) throw new ConsulHttpError(400, `Invalid check: Checks[${i}]: missing CheckID (or Name)`);
    if (c.Node && c.Node !== node) throw new ConsulHttpError(400, `Invalid check: Checks[${i}]: Node "${c.Node}" does not match the registration's node "${node}"`);
    const sid = c.ServiceID ?? '';
    const ownerName = sid === '' ? '' : sid === serviceId ? serviceName : state.service(node, sid)?.Service;
    if (ownerName === undefined) throw new ConsulHttpError(400, `Invalid check: Checks[${i}]: unknown ServiceID "${sid}" on node "${node}"`);
    return {
      Node: node,
      CheckID: checkId,
      Name: c.Name || checkId,
      Status: c.Status ?? 'critical',
      Notes: c.Notes ?? '',
      Output: (c.Output ?? '').slice(0, MAX_CHECK_OUTPUT),
      ServiceID: sid,
      ServiceName: ownerName,
      Type: c.Type ?? '',
    };
  });

  const existing = state.node(node);
  return state.write((tx) => {
    if (!(existing && req.SkipNodeUpdate)) {
      tx.putNode({
        ID: req.ID ?? existing?.ID ?? '',
        Node: node,
        Address: req.Address!.trim(),
        TaggedAddresses: req.TaggedAddresses ?? existing?.TaggedAddresses ?? {},
        Meta: req.NodeMeta ?? existing?.Meta ?? {},
      });
    }
    if (svc) {
      const old = state.service(node, serviceId!);
      tx.putService({
        Node: node,
        ID: serviceId!,
        Service: serviceName!,
        Tags: svc.Tags ?? [],
        Address: svc.Address ?? '',
        Port: svc.Port ?? 0,
        Meta: svc.Meta ?? {},
        Weights: { Passing: svc.Weights?.Passing ?? 1, Warning: svc.Weights?.Warning ?? 1 },
        EnableTagOverride: svc.EnableTagOverride ?? false,
        TaggedAddresses: taggedAddresses(svc.TaggedAddresses),
        Agent: old?.Agent ?? false,
      });
    }
    for (const c of checks) tx.putCheck(c);
  }).index;
}

export function catalogDeregister(state: CatalogState, agent: AgentNode, req: CatalogDeregister): number {
  const node = req.Node?.trim();
  if (!node) throw new ConsulHttpError(400, 'Missing node name');
  checkDatacenter(req.Datacenter, agent);
  return state.write((tx) => {
    if (req.ServiceID) tx.deleteService(node, req.ServiceID);
    if (req.CheckID) tx.deleteCheck(node, req.CheckID);
    if (!req.ServiceID && !req.CheckID) tx.deleteNode(node);
  }).index;
}

/** Writes a key; false when a check-and-set index does not match (0: the key must not exist). */
export function kvPut(state: CatalogState, key: string, value: Buffer, opts: { cas?: number; flags?: number }): boolean {
  if (!key) throw new ConsulHttpError(400, 'Missing key name');
  const existing = state.kvGet(key);
  if (opts.cas !== undefined && (existing?.ModifyIndex ?? 0) !== opts.cas) return false;
  state.write((tx) => tx.putKv(key, value.length > 0 ? value.toString('base64') : null, opts.flags ?? 0));
  return true;
}

export function kvDelete(state: CatalogState, key: string, opts: { cas?: number; recurse?: boolean }): boolean {
  if (opts.recurse) {
    state.write((tx) => {
      for (const e of state.kvUnder(key)) tx.deleteKv(e.Key);
    });
    return true;
  }
  if (!key) throw new ConsulHttpError(400, 'Missing key name; delete everything with ?recurse');
  const existing = state.kvGet(key);
  if (opts.cas !== undefined && (existing?.ModifyIndex ?? 0) !== opts.cas) return false;
  state.write((tx) => tx.deleteKv(key));
  return true;
}

export function checkDatacenter(dc: string | undefined, agent: AgentNode): void {
  if (dc && dc !== agent.datacenter) throw new ConsulHttpError(500, `No path to datacenter "${dc}"; this registry serves "${agent.datacenter}"`);
}

function taggedAddresses(input: Record<string, { Address: string; Port?: number }> | undefined): Record<string, { Address: string; Port: number }> {
  return Object.fromEntries(Object.entries(input ?? {}).map(([k, v]) => [k, { Address: v.Address, Port: v.Port ?? 0 }]));
}
