import { formatGoDuration } from '../go-duration';
import type { CatalogState } from './catalog-state';
import type { CheckRecord, KvRecord, NodeRecord, ServiceRecord } from './records';

/**
 * The JSON the Consul HTTP API answers with, field for field as Consul (OSS) encodes
 * it: the same names, types and `omitempty` rules, so clients written against Consul
 * decode it unchanged. Every view is a projection of stored records.
 */

type Json = Record<string, unknown>;

/** `/v1/catalog/nodes`, and `Node` in health entries. */
export function nodeJson(n: NodeRecord, datacenter: string): Json {
  return {
    ID: n.ID,
    Node: n.Node,
    Address: n.Address,
    Datacenter: datacenter,
    TaggedAddresses: n.TaggedAddresses,
    Meta: n.Meta,
    CreateIndex: n.CreateIndex,
    ModifyIndex: n.ModifyIndex,
  };
}

/** `/v1/catalog/service/:name`: node and service fields flattened into one object. */
export function catalogServiceJson(s: ServiceRecord, n: NodeRecord, datacenter: string): Json {
  return {
    ID: n.ID,
    Node: n.Node,
    Address: n.Address,
    Datacenter: datacenter,
    TaggedAddresses: n.TaggedAddresses,
    NodeMeta: n.Meta,
    ServiceKind: '',
    ServiceID: s.ID,
    ServiceName: s.Service,
    ServiceTags: s.Tags,
    ServiceAddress: s.Address,
    ...(Object.keys(s.TaggedAddresses).length > 0 ? { ServiceTaggedAddresses: s.TaggedAddresses } : {}),
    ServiceWeights: s.Weights,
    ServiceMeta: s.Meta,
    ServicePort: s.Port,
    ServiceEnableTagOverride: s.EnableTagOverride,
    ServiceProxy: { MeshGateway: {}, Expose: {} },
    ServiceConnect: {},
    CreateIndex: s.CreateIndex,
    ModifyIndex: s.ModifyIndex,
  };
}

/** `Service` in health entries and `/v1/catalog/node/:node` (Consul's NodeService). */
export function nodeServiceJson(s: ServiceRecord): Json {
  return {
    ID: s.ID,
    Service: s.Service,
    Tags: s.Tags,
    Address: s.Address,
    ...(Object.keys(s.TaggedAddresses).length > 0 ? { TaggedAddresses: s.TaggedAddresses } : {}),
    Meta: s.Meta,
    Port: s.Port,
    Weights: s.Weights,
    EnableTagOverride: s.EnableTagOverride,
    Proxy: { MeshGateway: {}, Expose: {} },
    Connect: {},
    CreateIndex: s.CreateIndex,
    ModifyIndex: s.ModifyIndex,
  };
}

/** `/v1/agent/services` values (Consul's AgentService). */
export function agentServiceJson(s: ServiceRecord, datacenter: string): Json {
  return {
    ID: s.ID,
    Service: s.Service,
    Tags: s.Tags,
    Meta: s.Meta,
    Port: s.Port,
    Address: s.Address,
    ...(Object.keys(s.TaggedAddresses).length > 0 ? { TaggedAddresses: s.TaggedAddresses } : {}),
    Weights: s.Weights,
    EnableTagOverride: s.EnableTagOverride,
    Datacenter: datacenter,
  };
}

/** A health check (Consul's HealthCheck); `Definition` omits empty fields, as Consul does. */
export function checkJson(c: CheckRecord, serviceTags: string[]): Json {
  const run = c.Run;
  const interval = run?.intervalMs !== undefined ? formatGoDuration(run.intervalMs) : '';
  const timeout = run?.timeoutMs !== undefined ? formatGoDuration(run.timeoutMs) : '';
  const definition: Json = {};
  if (run?.http) Object.assign(definition, { HTTP: run.http, Method: run.method, ...(run.header ? { Header: run.header } : {}), ...(run.body ? { Body: run.body } : {}) });
  if (run?.tlsSkipVerify) definition.TLSSkipVerify = true;
  if (run?.tcp) definition.TCP = run.tcp;
  if (interval) definition.Interval = interval;
  if (timeout) definition.Timeout = timeout;
  if (run?.deregisterCriticalAfterMs) definition.DeregisterCriticalServiceAfter = formatGoDuration(run.deregisterCriticalAfterMs);
  return {
    Node: c.Node,
    CheckID: c.CheckID,
    Name: c.Name,
    Status: c.Status,
    Notes: c.Notes,
    Output: c.Output,
    ServiceID: c.ServiceID,
    ServiceName: c.ServiceName,
    ServiceTags: serviceTags,
    Type: c.Type,
    Interval: interval,
    Timeout: timeout,
    ExposedPort: 0,
    Definition: definition,
    CreateIndex: c.CreateIndex,
    ModifyIndex: c.ModifyIndex,
  };
}

/** `/v1/health/service/:name` entries: node, service, and the node's and service's checks. */
export function healthEntryJson(state: CatalogState, s: ServiceRecord, datacenter: string): Json {
  const node = state.node(s.Node)!;
  return {
    Node: nodeJson(node, datacenter),
    Service: nodeServiceJson(s),
    Checks: state.checksFor(s.Node, s.ID).map((c) => checkJson(c, c.ServiceID ? s.Tags : [])),
  };
}

/** Tags of the service a check belongs to (empty for node checks), as Consul lists them. */
export function checkWithTags(state: CatalogState, c: CheckRecord): Json {
  return checkJson(c, c.ServiceID ? (state.service(c.Node, c.ServiceID)?.Tags ?? []) : []);
}

export function kvJson(e: KvRecord): Json {
  return { LockIndex: 0, Key: e.Key, Flags: e.Flags, Value: e.Value, CreateIndex: e.CreateIndex, ModifyIndex: e.ModifyIndex };
}
