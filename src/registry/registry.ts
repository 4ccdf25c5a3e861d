/**
 * The service registry as Loom uses it, shaped after Consul because both backends are
 * Consul: the embedded Consul-compatible registry (`embedded/`, default of `loom up`)
 * and a real Consul cluster (`consul/`, `--consul URL`). The same contract tests run
 * against both.
 *
 * Two ways to register, as in Consul:
 * - `register`: an agent registration whose checks the registry runs (TTL, HTTP, TCP);
 * - `registerExternal`: a catalog registration on a node of the registrant's own, whose
 *   health the registrant decides and restates by registering again. Loom registers the
 *   mesh this way: the model is the authority on an endpoint's health.
 */

export const CHECK_STATUSES = ['passing', 'warning', 'critical'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** A check the registry runs. Exactly one of `ttl`, `http`, `tcp`; durations as in Consul (`10s`, `1m30s`). */
export interface CheckSpec {
  id?: string;
  name?: string;
  ttl?: string;
  http?: string;
  tcp?: string;
  /** HTTP and TCP checks: time between runs. */
  interval?: string;
  timeout?: string;
  method?: string;
  header?: Record<string, string[]>;
  tlsSkipVerify?: boolean;
  /** Status until the first result; Consul's default is critical. */
  status?: CheckStatus;
  notes?: string;
  /** The service is deregistered once this check has been critical for that long. */
  deregisterCriticalServiceAfter?: string;
}

export interface ServiceRegistration {
  id: string;
  name: string;
  address?: string;
  port?: number;
  tags?: string[];
  meta?: Record<string, string>;
  checks?: CheckSpec[];
}

/** An instance whose health the registrant states (no check is run by the registry). */
export interface ExternalRegistration {
  node: string;
  nodeAddress: string;
  nodeMeta?: Record<string, string>;
  id: string;
  name: string;
  address: string;
  port: number;
  tags?: string[];
  meta?: Record<string, string>;
  status: CheckStatus;
  /** Why, e.g. "draining"; kept as the check's Notes. */
  output?: string;
}

export interface InstanceCheck {
  id: string;
  name: string;
  status: CheckStatus;
  output: string;
  /** Empty for node-level checks. */
  serviceId: string;
}

/** One service instance with its health: a `/v1/health/service/:name` entry, flattened. */
export interface ServiceInstance {
  node: string;
  nodeAddress: string;
  id: string;
  service: string;
  /** The service address, or the node's when the service has none (as Consul's DNS does). */
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  /** The worst status of the node's and the service's checks; passing without checks. */
  status: CheckStatus;
  checks: InstanceCheck[];
  modifyIndex: number;
}

/** Blocking-query options: return once the index passes `index`, or after `wait`. */
export interface QueryOptions {
  index?: number;
  /** Milliseconds; the registry's default when absent (5 min for Consul). */
  waitMs?: number;
  /** Ends the query early (it then rejects with an AbortError). */
  signal?: AbortSignal;
}

export interface InstanceQuery extends QueryOptions {
  /** Only instances whose checks all pass. */
  passing?: boolean;
  tag?: string;
}

export interface Indexed<T> {
  /** X-Consul-Index: compare with the one you passed, and pass it to the next query. */
  index: number;
  value: T;
}

export interface KvEntry {
  key: string;
  value: Buffer;
  flags: number;
  createIndex: number;
  modifyIndex: number;
}

export interface KvWriteOptions {
  /** Check-and-set: write only if the key's ModifyIndex is this (0: only if absent). */
  cas?: number;
  flags?: number;
}

export interface KvStore {
  get(key: string, q?: QueryOptions): Promise<Indexed<KvEntry | undefined>>;
  list(prefix: string, q?: QueryOptions): Promise<Indexed<KvEntry[]>>;
  /** False when a `cas` did not match. */
  set(key: string, value: Buffer | string, opts?: KvWriteOptions): Promise<boolean>;
  delete(key: string, opts?: { cas?: number; recurse?: boolean }): Promise<boolean>;
}

export interface Registry {
  register(registration: ServiceRegistration): Promise<void>;
  deregister(serviceId: string): Promise<void>;
  /** Sets a TTL check's status (Consul's `/v1/agent/check/pass|warn|fail`). */
  updateTtlCheck(checkId: string, status: CheckStatus, output?: string): Promise<void>;
  registerExternal(registration: ExternalRegistration): Promise<void>;
  deregisterExternal(node: string, serviceId: string): Promise<void>;
  /** Service name → tags, for every service in the catalog. */
  services(q?: QueryOptions): Promise<Indexed<Record<string, string[]>>>;
  instances(service: string, q?: InstanceQuery): Promise<Indexed<ServiceInstance[]>>;
  /** Every instance on one node, with health; empty when the node does not exist. */
  nodeInstances(node: string): Promise<ServiceInstance[]>;
  readonly kv: KvStore;
  close(): Promise<void>;
}

/** Meta key marking the registrations Loom made from its own model. */
export const LOOM_MANAGED_META = 'loom-managed';

/** The one check of an external registration, carrying the status the registrant states. */
export function externalCheckId(serviceId: string): string {
  return `health:${serviceId}`;
}

export function worstStatus(statuses: Iterable<CheckStatus>): CheckStatus {
  let worst: CheckStatus = 'passing';
  for (const s of statuses) {
    if (s === 'critical') return s;
    if (s === 'warning') worst = s;
  }
  return worst;
}
