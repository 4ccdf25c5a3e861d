import {
  externalCheckId,
  type CheckSpec,
  type ExternalRegistration,
  type Indexed,
  type InstanceQuery,
  type KvEntry,
  type KvStore,
  type QueryOptions,
  type Registry,
  type ServiceInstance,
  type ServiceRegistration,
} from '../registry';
import { blockingQuery } from './blocking-query';
import { instanceStatus, instancesRead, kvRead, servicesRead } from './catalog-reads';
import type { CatalogState } from './catalog-state';
import { agentDeregisterService, agentRegisterService, catalogDeregister, catalogRegister, kvDelete, kvPut, type AgentNode } from './catalog-writes';
import type { CheckRunner } from './check-runner';
import { AgentServiceSchema, CatalogRegisterSchema, decodeBody } from './consul-requests';
import type { KvRecord, ServiceRecord } from './records';

/**
 * The embedded registry for code in the same process (the daemon's sync): the same
 * validation, writes and blocking reads as the HTTP API, without HTTP. Invalid input is
 * refused with the message the HTTP API would answer with.
 */
export class LocalRegistry implements Registry {
  readonly kv: KvStore;

  constructor(
    private readonly state: CatalogState,
    private readonly agent: AgentNode,
    private readonly checks: CheckRunner,
    private readonly durable: () => Promise<void>,
  ) {
    this.kv = new LocalKv(state, durable);
  }

  async register(reg: ServiceRegistration): Promise<void> {
    const body = { ID: reg.id, Name: reg.name, Address: reg.address, Port: reg.port, Tags: reg.tags, Meta: reg.meta, Checks: reg.checks?.map(consulCheck) };
    agentRegisterService(this.state, this.agent, decodeBody(AgentServiceSchema, body));
    await this.durable();
  }

  async deregister(serviceId: string): Promise<void> {
    agentDeregisterService(this.state, this.agent, serviceId);
    await this.durable();
  }

  async updateTtlCheck(checkId: string, status: 'passing' | 'warning' | 'critical', output?: string): Promise<void> {
    this.checks.updateTtl(checkId, status, output);
    await this.durable();
  }

  async registerExternal(reg: ExternalRegistration): Promise<void> {
    const body = {
      Node: reg.node,
      Address: reg.nodeAddress,
      NodeMeta: reg.nodeMeta,
      Service: { ID: reg.id, Service: reg.name, Address: reg.address, Port: reg.port, Tags: reg.tags, Meta: reg.meta },
      Check: { CheckID: externalCheckId(reg.id), Name: 'Loom health', Status: reg.status, Notes: reg.output ?? '', ServiceID: reg.id },
    };
    catalogRegister(this.state, this.agent, decodeBody(CatalogRegisterSchema, body));
    await this.durable();
  }

  async deregisterExternal(node: string, serviceId: string): Promise<void> {
    catalogDeregister(this.state, this.agent, { Node: node, ServiceID: serviceId });
    await this.durable();
  }

  async services(q?: QueryOptions): Promise<Indexed<Record<string, string[]>>> {
    const read = servicesRead(this.state);
    return { index: await blockingQuery(this.state.feed, read, q), value: read.value() };
  }

  async instances(service: string, q: InstanceQuery = {}): Promise<Indexed<ServiceInstance[]>> {
    const read = instancesRead(this.state, service, { tags: q.tag ? [q.tag] : [], passing: q.passing });
    const index = await blockingQuery(this.state.feed, read, q);
    return { index, value: read.value().map((s) => serviceInstance(this.state, s)) };
  }

  async nodeInstances(node: string): Promise<ServiceInstance[]> {
    return this.state.servicesOnNode(node).map((s) => serviceInstance(this.state, s));
  }

  async close(): Promise<void> {}
}

class LocalKv implements KvStore {
  constructor(
    private readonly state: CatalogState,
    private readonly durable: () => Promise<void>,
  ) {}

  async get(key: string, q?: QueryOptions): Promise<Indexed<KvEntry | undefined>> {
    const read = kvRead(this.state, key, false);
    const index = await blockingQuery(this.state.feed, read, q);
    const [entry] = read.value();
    return { index, value: entry && kvEntry(entry) };
  }

  async list(prefix: string, q?: QueryOptions): Promise<Indexed<KvEntry[]>> {
    const read = kvRead(this.state, prefix, true);
    const index = await blockingQuery(this.state.feed, read, q);
    return { index, value: read.value().map(kvEntry) };
  }

  async set(key: string, value: Buffer | string, opts: { cas?: number; flags?: number } = {}): Promise<boolean> {
    const ok = kvPut(this.state, key, Buffer.from(value), opts);
    await this.durable();
    return ok;
  }

  async delete(key: string, opts: { cas?: number; recurse?: boolean } = {}): Promise<boolean> {
    const ok = kvDelete(this.state, key, opts);
    await this.durable();
    return ok;
  }
}

function consulCheck(c: CheckSpec): Record<string, unknown> {
  return {
    CheckID: c.id,
    Name: c.name,
    TTL: c.ttl,
    HTTP: c.http,
    TCP: c.tcp,
    Interval: c.interval,
    Timeout: c.timeout,
    Method: c.method,
    Header: c.header,
    TLSSkipVerify: c.tlsSkipVerify,
    Status: c.status,
    Notes: c.notes,
    DeregisterCriticalServiceAfter: c.deregisterCriticalServiceAfter,
  };
}

export function serviceInstance(state: CatalogState, s: ServiceRecord): ServiceInstance {
  const node = state.node(s.Node)!;
  return {
    node: s.Node,
    nodeAddress: node.Address,
    id: s.ID,
    service: s.Service,
    address: s.Address || node.Address,
    port: s.Port,
    tags: s.Tags,
    meta: s.Meta,
    status: instanceStatus(state, s),
    checks: state.checksFor(s.Node, s.ID).map((c) => ({ id: c.CheckID, name: c.Name, status: c.Status, output: c.Output, serviceId: c.ServiceID })),
    modifyIndex: s.ModifyIndex,
  };
}

function kvEntry(e: KvRecord): KvEntry {
  return { key: e.Key, value: Buffer.from(e.Value ?? '', 'base64'), flags: e.Flags, createIndex: e.CreateIndex, modifyIndex: e.ModifyIndex };
}
