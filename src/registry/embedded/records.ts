import type { CheckStatus } from '../registry';

/**
 * What the embedded catalog stores, with Consul's own field names so the HTTP views are
 * plain projections. Records are immutable: a change replaces the record.
 */

export interface NodeRecord {
  ID: string;
  Node: string;
  Address: string;
  TaggedAddresses: Record<string, string>;
  Meta: Record<string, string>;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface ServiceRecord {
  Node: string;
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  Port: number;
  Meta: Record<string, string>;
  Weights: { Passing: number; Warning: number };
  EnableTagOverride: boolean;
  TaggedAddresses: Record<string, { Address: string; Port: number }>;
  /** Registered through the agent API: this agent runs its checks and may reap it. */
  Agent: boolean;
  CreateIndex: number;
  ModifyIndex: number;
}

/** How a check is run; absent for checks whose status the registrant sets. */
export interface CheckRun {
  ttlMs?: number;
  http?: string;
  tcp?: string;
  intervalMs?: number;
  timeoutMs?: number;
  method?: string;
  header?: Record<string, string[]>;
  body?: string;
  tlsSkipVerify?: boolean;
  deregisterCriticalAfterMs?: number;
  successBeforePassing?: number;
  failuresBeforeWarning?: number;
  failuresBeforeCritical?: number;
}

export interface CheckRecord {
  Node: string;
  CheckID: string;
  Name: string;
  Status: CheckStatus;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  /** `ttl`, `http`, `tcp`; empty for checks nobody runs here. */
  Type: string;
  Run?: CheckRun;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface KvRecord {
  Key: string;
  /** Base64, as Consul sends it; null for an empty value. */
  Value: string | null;
  Flags: number;
  CreateIndex: number;
  ModifyIndex: number;
}

/** What the catalog holds, ready to persist. */
export interface CatalogData {
  index: number;
  /** Per-topic index (`services`, `service:<name>`, `nodes`, `node:<name>`, `checks`, `kv`). */
  topics: Record<string, number>;
  /** The highest index of KV deletions whose tombstones were dropped. */
  kvReapIndex: number;
  nodes: NodeRecord[];
  services: ServiceRecord[];
  checks: CheckRecord[];
  kv: KvRecord[];
  kvTombstones: { Key: string; Index: number; At: number }[];
}
