import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Consul from 'consul';
import type { ApplyResult, MeshOperations } from '../../../src/api/mesh-operations';
import { createLogger } from '../../../src/log';
import { parseResourceDocuments } from '../../../src/model/documents';
import type { Kind, Resource } from '../../../src/model/kinds';
import { applyResources, deleteResource, emptyMesh, getResource, listResources, type Mesh } from '../../../src/model/mesh';
import { startEmbeddedRegistry, type EmbeddedRegistry } from '../../../src/registry/embedded/embedded-registry';

/**
 * Test fixtures: an embedded registry on free ports in a fresh data dir, a `consul`
 * client for it, and — when `CONSUL_HTTP_ADDR` is set — a client for that real Consul
 * instead, so contract tests run against both.
 */

export const log = createLogger('test', process.env.LOOM_TEST_LOG ?? 'warn');

export function tempDir(prefix = 'loom-registry-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function startRegistry(dataDir = tempDir(), nodeName = 'loom-test'): Promise<EmbeddedRegistry & { dataDir: string }> {
  const embedded = await startEmbeddedRegistry({ http: { host: '127.0.0.1', port: 0 }, dns: { host: '127.0.0.1', port: 0 }, dataDir, log, nodeName });
  return { ...embedded, dataDir };
}

export function consulClient(url: string, token?: string): Consul {
  const u = new URL(url);
  return new Consul({ host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), secure: u.protocol === 'https:', defaults: token ? { token } : undefined });
}

/** The Consul the contract tests talk to: a real one from CONSUL_HTTP_ADDR, else the embedded registry. */
export interface ConsulTarget {
  kind: 'real Consul' | 'embedded';
  url: string;
  client: Consul;
  close(): Promise<void>;
}

export async function consulTarget(): Promise<ConsulTarget> {
  const real = process.env.CONSUL_HTTP_ADDR;
  if (real) {
    const url = /^https?:\/\//.test(real) ? real : `http://${real}`;
    const client = consulClient(url, process.env.CONSUL_HTTP_TOKEN);
    return { kind: 'real Consul', url, client, close: async () => client.destroy() };
  }
  const embedded = await startRegistry();
  const client = consulClient(embedded.httpUrl);
  return {
    kind: 'embedded',
    url: embedded.httpUrl,
    client,
    close: async () => {
      client.destroy();
      await embedded.close();
    },
  };
}

/** A name no other test run uses, so runs against a shared real Consul do not collide. */
export function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Raw HTTP, for what clients hide (headers, status, exact bodies). */
export async function http(url: string, method = 'GET', body?: string): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const res = await fetch(url, { method, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

const run = promisify(execFile);

/** `dig` (Debian's dnsutils) against the registry's DNS port; returns its stdout. */
export async function dig(port: number, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args]);
    return stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('dig is not installed: apt-get install -y dnsutils (Debian)', { cause: err });
    throw err;
  }
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The daemon's mesh operations without the daemon: the model's own apply/delete on a mesh in memory. */
export class MemoryMesh implements MeshOperations {
  mesh: Mesh = emptyMesh();
  private revision = 0;
  private readonly listeners = new Set<(mesh: Mesh) => void>();

  async apply(text: string, source: string): Promise<ApplyResult> {
    const outcome = applyResources(this.mesh, parseResourceDocuments(text, source));
    this.commit(outcome.mesh);
    return { revision: this.revision, created: outcome.created, configured: outcome.configured, unchanged: outcome.unchanged };
  }

  async delete(kind: Kind, name: string): Promise<void> {
    this.commit(deleteResource(this.mesh, kind, name));
  }

  list(kind: Kind): Resource[] {
    return listResources(this.mesh, kind);
  }

  get(kind: Kind, name: string): Resource {
    return getResource(this.mesh, kind, name);
  }

  proxyStatus(): unknown[] {
    return [];
  }

  /** A MeshSource, as the daemon's state store is one. */
  current(): Mesh {
    return this.mesh;
  }

  onChange(listener: (mesh: Mesh) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private commit(mesh: Mesh): void {
    this.mesh = mesh;
    this.revision++;
    for (const l of this.listeners) l(mesh);
  }
}
