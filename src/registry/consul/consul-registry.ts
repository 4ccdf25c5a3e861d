import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { types } from 'node:util';
import Consul from 'consul';
import { LoomError } from '../../errors';
import type { Logger } from '../../log';
import { DEFAULT_WAIT_MS, MAX_WAIT_MS } from '../embedded/blocking-query';
import {
  externalCheckId,
  worstStatus,
  type CheckSpec,
  type CheckStatus,
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

/**
 * The registry in a real Consul cluster (`--consul URL`), through the `consul` client:
 * agent registrations with TTL/HTTP/TCP checks, catalog registrations for instances
 * whose health Loom states, blocking catalog and health queries, and KV.
 */

export interface ConsulTls {
  /** PEM CA bundle that signed Consul's certificate. */
  ca?: string | Buffer;
  /** Client certificate and key, when Consul verifies incoming connections. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Default true; false only for testing against self-signed certificates. */
  rejectUnauthorized?: boolean;
}

export interface ConsulConnectOptions {
  /** `http://127.0.0.1:8500` or `https://consul.example:8501`. */
  url: string;
  /** ACL token, sent as `X-Consul-Token`. */
  token?: string;
  tls?: ConsulTls;
  log: Logger;
}

export class ConsulRequestError extends LoomError {}

/** Beyond a blocking query's wait: the HTTP request's own deadline (a dead connection must not hang a watch). */
const REQUEST_SLACK_MS = 5_000;
const PLAIN_REQUEST_TIMEOUT_MS = 10_000;

export function connectConsul(opts: ConsulConnectOptions): Registry {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new LoomError(`--consul "${opts.url}" is not a URL; expected e.g. http://127.0.0.1:8500 or https://consul.example:8501`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LoomError(`--consul "${opts.url}" must be an http:// or https:// URL`);
  }
  const secure = url.protocol === 'https:';
  const agent = secure
    ? new https.Agent({ keepAlive: true, ca: opts.tls?.ca, cert: opts.tls?.cert, key: opts.tls?.key, rejectUnauthorized: opts.tls?.rejectUnauthorized ?? true })
    : new http.Agent({ keepAlive: true });
  const client = new Consul({
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 443 : 80,
    secure,
    agent,
    defaults: opts.token ? { token: opts.token } : undefined,
  });
  return new ConsulRegistry(client, url.origin, opts.log.child({ component: 'consul' }));
}

type Response = { statusCode: number; headers: Record<string, string | string[] | undefined> };

class ConsulRegistry implements Registry {
  readonly kv: KvStore;

  constructor(
    readonly client: Consul,
    private readonly origin: string,
    private readonly log: Logger,
  ) {
    this.kv = new ConsulKv(this);
  }

  register(reg: ServiceRegistration): Promise<void> {
    return this.call('register service', () =>
      this.client.agent.service.register({
        id: reg.id,
        name: reg.name,
        address: reg.address,
        port: reg.port,
        tags: reg.tags,
        meta: reg.meta,
        checks: (reg.checks ?? []).map(clientCheck) as never,
      }),
    );
  }

  deregister(serviceId: string): Promise<void> {
    return this.call('deregister service', () => this.client.agent.service.deregister(serviceId));
  }

  updateTtlCheck(checkId: string, status: CheckStatus, output?: string): Promise<void> {
    const verb = status === 'passing' ? 'pass' : status === 'warning' ? 'warn' : 'fail';
    return this.call(`${verb} check`, () => this.client.agent.check[verb]({ id: checkId, note: output }));
  }

  registerExternal(reg: ExternalRegistration): Promise<void> {
    return this.call('register external service', () =>
      this.client.catalog.register({
        node: reg.node,
        address: reg.nodeAddress,
        nodemeta: reg.nodeMeta,
        service: { id: reg.id, service: reg.name, address: reg.address, port: reg.port, tags: reg.tags, meta: reg.meta },
        check: { checkid: externalCheckId(reg.id), name: 'Loom health', status: reg.status, serviceid: reg.id, notes: reg.output ?? '' },
      }),
    );
  }

  deregisterExternal(node: string, serviceId: string): Promise<void> {
    return this.call('deregister external service', () => this.client.catalog.deregister({ node, serviceid: serviceId }));
  }

  async services(q?: QueryOptions): Promise<Indexed<Record<string, string[]>>> {
    const [res, body] = await this.blocking<Record<string, string[]>>('list services', q, (o) => this.client.catalog.service.list(o));
    return { index: indexOf(res), value: body ?? {} };
  }

  async instances(service: string, q: InstanceQuery = {}): Promise<Indexed<ServiceInstance[]>> {
    const [res, body] = await this.blocking<HealthEntry[]>(`query health of ${service}`, q, (o) =>
      this.client.health.service({ service, ...(q.passing ? { passing: true } : {}), ...(q.tag ? { tag: q.tag } : {}), ...o }),
    );
    return { index: indexOf(res), value: (body ?? []).map(instanceOf) };
  }

  async nodeInstances(node: string): Promise<ServiceInstance[]> {
    const [services, checks] = await Promise.all([
      this.call(`read node ${node}`, () => this.client.catalog.node.services(node) as Promise<{ Node: NodeJson; Services: Record<string, ServiceJson> } | null>),
      this.call(`read checks of node ${node}`, () => this.client.health.node(node) as Promise<CheckJson[]>),
    ]);
    if (!services) return [];
    return Object.values(services.Services).map((s) => instanceOf({ Node: services.Node, Service: s, Checks: checks.filter((c) => c.ServiceID === '' || c.ServiceID === s.ID) }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** @internal */ async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      throw this.failure(what, err);
    }
    // papi resolves with an error from another realm (e.g. under a test VM) instead of rejecting.
    if (types.isNativeError(result)) throw this.failure(what, result);
    return result;
  }

  /**
   * A blocking query: `index`/`wait` as Consul takes them, the response with its headers
   * (`ctx.includeResponse`), and an abort that cancels the HTTP request.
   */
  /** @internal */ async blocking<T>(what: string, q: QueryOptions | undefined, fn: (o: Record<string, unknown>) => Promise<unknown>): Promise<[Response, T | undefined]> {
    if (q?.signal?.aborted) throw q.signal.reason;
    const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
    const onAbort = () => ctx.emit('cancel');
    q?.signal?.addEventListener('abort', onAbort, { once: true });
    const blocking = q?.index !== undefined && q.index > 0;
    const options: Record<string, unknown> = {
      ctx,
      // Consul answers by the wait plus up to 1/16 of jitter.
      timeout: blocking ? Math.min(q.waitMs || DEFAULT_WAIT_MS, MAX_WAIT_MS) * (17 / 16) + REQUEST_SLACK_MS : PLAIN_REQUEST_TIMEOUT_MS,
      ...(blocking ? { index: String(q.index), ...(q.waitMs ? { wait: `${Math.round(q.waitMs)}ms` } : {}) } : {}),
    };
    try {
      const out = (await fn(options)) as [Response, T] | [Response] | Error;
      if (types.isNativeError(out) || !Array.isArray(out) || !out[0]) throw out;
      return [out[0], out[1]];
    } catch (err) {
      if (q?.signal?.aborted) throw q.signal.reason;
      throw this.failure(what, err);
    } finally {
      q?.signal?.removeEventListener('abort', onAbort);
    }
  }

  private failure(what: string, err: unknown): ConsulRequestError {
    const e = err as { message?: string; response?: { statusCode?: number; body?: unknown } };
    const status = e.response?.statusCode;
    const body = typeof e.response?.body === 'string' ? e.response.body : Buffer.isBuffer(e.response?.body) ? e.response.body.toString('utf8') : undefined;
    const detail = [status ? `HTTP ${status}` : undefined, body?.trim() || e.message].filter(Boolean).join(': ');
    this.log.debug({ err, what }, 'Consul request failed');
    return new ConsulRequestError(`Consul at ${this.origin}: cannot ${what}: ${detail}`, { cause: err });
  }
}

class ConsulKv implements KvStore {
  constructor(private readonly consul: ConsulRegistry) {}

  private get client(): Consul {
    return this.consul.client;
  }

  async get(key: string, q?: QueryOptions): Promise<Indexed<KvEntry | undefined>> {
    const [res, body] = await this.consul.blocking<KvJson>(`read key ${key}`, q, (o) => this.client.kv.get({ key, buffer: true, ...o } as never));
    return { index: indexOf(res), value: body ? kvEntry(body) : undefined };
  }

  async list(prefix: string, q?: QueryOptions): Promise<Indexed<KvEntry[]>> {
    const [res, body] = await this.consul.blocking<KvJson[]>(`list keys under ${prefix}`, q, (o) => this.client.kv.get({ key: prefix, recurse: true, buffer: true, ...o } as never));
    return { index: indexOf(res), value: (body ?? []).map(kvEntry) };
  }

  set(key: string, value: Buffer | string, opts: { cas?: number; flags?: number } = {}): Promise<boolean> {
    return this.consul.call(`write key ${key}`, () => this.client.kv.set({ key, value, ...(opts.cas !== undefined ? { cas: opts.cas } : {}), ...(opts.flags !== undefined ? { flags: opts.flags } : {}) }));
  }

  delete(key: string, opts: { cas?: number; recurse?: boolean } = {}): Promise<boolean> {
    return this.consul.call(`delete key ${key}`, () => this.client.kv.del({ key, ...(opts.cas !== undefined ? { cas: opts.cas } : {}), ...(opts.recurse ? { recurse: true } : {}) }));
  }
}

interface NodeJson {
  Node: string;
  Address: string;
}
interface ServiceJson {
  ID: string;
  Service: string;
  Address: string;
  Port: number;
  Tags: string[] | null;
  Meta: Record<string, string> | null;
  ModifyIndex: number;
}
interface CheckJson {
  CheckID: string;
  Name: string;
  Status: CheckStatus;
  Output: string;
  ServiceID: string;
}
interface HealthEntry {
  Node: NodeJson;
  Service: ServiceJson;
  Checks: CheckJson[];
}
interface KvJson {
  Key: string;
  Value: Buffer | string | null;
  Flags: number;
  CreateIndex: number;
  ModifyIndex: number;
}

function instanceOf(e: HealthEntry): ServiceInstance {
  return {
    node: e.Node.Node,
    nodeAddress: e.Node.Address,
    id: e.Service.ID,
    service: e.Service.Service,
    address: e.Service.Address || e.Node.Address,
    port: e.Service.Port,
    tags: e.Service.Tags ?? [],
    meta: e.Service.Meta ?? {},
    status: worstStatus(e.Checks.map((c) => c.Status)),
    checks: e.Checks.map((c) => ({ id: c.CheckID, name: c.Name, status: c.Status, output: c.Output, serviceId: c.ServiceID })),
    modifyIndex: e.Service.ModifyIndex,
  };
}

function kvEntry(e: KvJson): KvEntry {
  const value = e.Value === null ? Buffer.alloc(0) : Buffer.isBuffer(e.Value) ? e.Value : Buffer.from(e.Value);
  return { key: e.Key, value, flags: e.Flags, createIndex: e.CreateIndex, modifyIndex: e.ModifyIndex };
}

function indexOf(res: Response): number {
  const header = res.headers['x-consul-index'];
  const index = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(index) && index > 0 ? index : 1;
}

/** The client's lower-case check options (it turns them into Consul's CheckType). */
function clientCheck(c: CheckSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    checkid: c.id,
    name: c.name,
    ttl: c.ttl,
    http: c.http,
    tcp: c.tcp,
    interval: c.interval,
    timeout: c.timeout,
    method: c.method,
    header: c.header,
    tlsskipverify: c.tlsSkipVerify,
    status: c.status,
    notes: c.notes,
    deregistercriticalserviceafter: c.deregisterCriticalServiceAfter,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}
