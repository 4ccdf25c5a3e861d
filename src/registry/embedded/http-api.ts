import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { parseGoDuration } from '../go-duration';
import type { Logger } from '../../log';
import { CHECK_STATUSES, type CheckStatus } from '../registry';
import { blockingQuery } from './blocking-query';
import {
  checksInStateRead,
  instancesRead,
  kvRead,
  nodeRead,
  nodesRead,
  serviceChecksRead,
  servicesRead,
  type Read,
} from './catalog-reads';
import type { CatalogState } from './catalog-state';
import type { CheckRunner } from './check-runner';
import {
  agentDeregisterService,
  agentRegisterService,
  catalogDeregister,
  catalogRegister,
  checkDatacenter,
  kvDelete,
  kvPut,
  type AgentNode,
} from './catalog-writes';
import { ConsulHttpError } from './consul-http-error';
import { agentServiceJson, catalogServiceJson, checkJson, checkWithTags, healthEntryJson, kvJson, nodeJson, nodeServiceJson } from './consul-json';
import { AgentServiceSchema, CatalogDeregisterSchema, CatalogRegisterSchema, CheckUpdateSchema, decodeBody } from './consul-requests';
import { compileFilter } from './filter';
import { ResponseCache } from './response-cache';

/**
 * The Consul-compatible HTTP API (`127.0.0.1:8500` by default) over the embedded
 * catalog: Consul's paths, query parameters, JSON and headers, blocking queries
 * included. Errors are `text/plain` with Consul's status codes. ACLs are not enforced
 * (a token is accepted and ignored, as on a Consul agent with ACLs disabled).
 */

export interface HttpApiOptions {
  state: CatalogState;
  agent: AgentNode;
  checks: CheckRunner;
  /** Resolves once everything written so far is on disk; writes are acknowledged after it. */
  durable: () => Promise<void>;
  log: Logger;
}

/** Consul's limit on one KV value. */
const MAX_KV_VALUE = 512 * 1024;

type Query = Record<string, string | string[] | undefined>;
type Req = FastifyRequest<{ Querystring: Query; Params: Record<string, string>; Body: Buffer }>;

export function buildConsulHttpApi({ state, agent, checks: runner, durable, log }: HttpApiOptions) {
  const app = Fastify({ loggerInstance: log.child({ component: 'consul-api' }, { level: 'warn' }), bodyLimit: 4 * 1024 * 1024, forceCloseConnections: true });
  const dc = agent.datacenter;

  // Consul reads bodies whatever their Content-Type (curl -d sends a form type): raw bytes here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof ConsulHttpError) return reply.code(err.statusCode).type('text/plain; charset=utf-8').send(err.message);
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status < 500) return reply.code(status).type('text/plain; charset=utf-8').send((err as Error).message);
    log.error({ err }, 'Consul API request failed');
    return reply.code(500).type('text/plain; charset=utf-8').send((err as Error).message);
  });

  app.addHook('onRequest', async (req) => {
    const q = req.query as Query;
    checkDatacenter(single(q.dc), agent);
  });

  const cache = new ResponseCache();

  /** Runs a read as a blocking query and answers with Consul's headers; encoded once per index. */
  async function answer<T>(req: Req, reply: FastifyReply, read: Read<T>, body: (value: T) => unknown, notFound?: (value: T) => boolean) {
    const index = parseIndex(single(req.query.index));
    const wait = single(req.query.wait);
    const waitMs = wait === undefined ? undefined : parseGoDuration(wait);
    if (waitMs === undefined && wait !== undefined) throw new ConsulHttpError(400, `Invalid wait time "${wait}"; expected a duration such as 30s or 5m`);
    const abort = new AbortController();
    reply.raw.once('close', () => abort.abort());
    let at: number;
    try {
      at = await blockingQuery(state.feed, read, { index, waitMs, signal: abort.signal });
    } catch (err) {
      if (abort.signal.aborted) return reply.hijack();
      throw err;
    }
    const key = ResponseCache.key(req.url);
    let out = cache.get(key, at);
    if (!out) {
      const value = read.value();
      if (notFound?.(value)) out = { index: at, status: 404 };
      else {
        const encoded = body(value);
        out = Buffer.isBuffer(encoded)
          ? { index: at, status: 200, type: 'application/octet-stream', body: encoded }
          : { index: at, status: 200, type: 'application/json', body: JSON.stringify(encoded) };
      }
      cache.set(key, out);
    }
    reply.header('X-Consul-Index', String(at)).header('X-Consul-KnownLeader', 'true').header('X-Consul-LastContact', '0').header('X-Consul-Effective-Consistency', 'leader');
    if (out.status === 404) return reply.code(404).send();
    return reply.type(out.type!).send(out.body);
  }

  /** A write, acknowledged once it is on disk; agent writes answer with an empty body, as Consul's. */
  async function acknowledged(reply: FastifyReply, body?: boolean) {
    await durable();
    return body === undefined ? reply.send() : reply.type('application/json').send(JSON.stringify(body));
  }

  const filterOf = (req: Req) => {
    const f = single(req.query.filter);
    return f ? compileFilter(f) : () => true;
  };

  // --- catalog ------------------------------------------------------------------------

  app.get('/v1/catalog/services', (req: Req, reply) => {
    const filter = filterOf(req);
    return answer(req, reply, servicesRead(state), (services) =>
      single(req.query.filter) === undefined
        ? services
        : Object.fromEntries(
            Object.entries(services).filter(([name]) => state.instancesOf(name).some((s) => filter(catalogServiceJson(s, state.node(s.Node)!, dc)))),
          ),
    );
  });

  app.get('/v1/catalog/service/:name', (req: Req, reply) => {
    const filter = filterOf(req);
    return answer(req, reply, instancesRead(state, req.params.name, { tags: list(req.query.tag) }), (records) =>
      records.map((s) => catalogServiceJson(s, state.node(s.Node)!, dc)).filter(filter),
    );
  });

  app.get('/v1/catalog/nodes', (req: Req, reply) => {
    const filter = filterOf(req);
    return answer(req, reply, nodesRead(state), (nodes) => nodes.map((n) => nodeJson(n, dc)).filter(filter));
  });

  app.get('/v1/catalog/node/:node', (req: Req, reply) => {
    const filter = filterOf(req);
    return answer(req, reply, nodeRead(state, req.params.node), (found) =>
      found
        ? { Node: nodeJson(found.node, dc), Services: Object.fromEntries(found.services.map((s) => [s.ID, nodeServiceJson(s)]).filter(([, s]) => filter(s))) }
        : null,
    );
  });

  app.put('/v1/catalog/register', (req: Req, reply) => {
    catalogRegister(state, agent, decodeBody(CatalogRegisterSchema, json(req.body)));
    return acknowledged(reply, true);
  });

  app.put('/v1/catalog/deregister', (req: Req, reply) => {
    catalogDeregister(state, agent, decodeBody(CatalogDeregisterSchema, json(req.body)));
    return acknowledged(reply, true);
  });

  // --- health -------------------------------------------------------------------------

  app.get('/v1/health/service/:name', (req: Req, reply) => {
    const filter = filterOf(req);
    const read = instancesRead(state, req.params.name, { tags: list(req.query.tag), passing: flag(req.query.passing) });
    return answer(req, reply, read, (records) => records.map((s) => healthEntryJson(state, s, dc)).filter(filter));
  });

  app.get('/v1/health/checks/:service', (req: Req, reply) => {
    const filter = filterOf(req);
    return answer(req, reply, serviceChecksRead(state, req.params.service), (checks) => checks.map((c) => checkWithTags(state, c)).filter(filter));
  });

  app.get('/v1/health/state/:state', (req: Req, reply) => {
    const wanted = req.params.state;
    if (wanted !== 'any' && !(CHECK_STATUSES as readonly string[]).includes(wanted)) {
      throw new ConsulHttpError(400, `Invalid state "${wanted}"; expected any, ${CHECK_STATUSES.join(', ')}`);
    }
    const filter = filterOf(req);
    return answer(req, reply, checksInStateRead(state, wanted as CheckStatus | 'any'), (checks) => checks.map((c) => checkWithTags(state, c)).filter(filter));
  });

  app.get('/v1/health/node/:node', (req: Req, reply) => {
    const filter = filterOf(req);
    return answer(req, reply, nodeRead(state, req.params.node), (found) => (found?.checks ?? []).map((c) => checkWithTags(state, c)).filter(filter));
  });

  // --- agent --------------------------------------------------------------------------

  app.put('/v1/agent/service/register', (req: Req, reply) => {
    agentRegisterService(state, agent, decodeBody(AgentServiceSchema, json(req.body)));
    return acknowledged(reply);
  });

  app.put('/v1/agent/service/deregister/:id', (req: Req, reply) => {
    agentDeregisterService(state, agent, req.params.id);
    return acknowledged(reply);
  });

  app.get('/v1/agent/services', async (req: Req, reply) => {
    const filter = filterOf(req);
    const services = state.servicesOnNode(agent.node).map((s) => agentServiceJson(s, dc)).filter(filter);
    return reply.type('application/json').send(JSON.stringify(Object.fromEntries(services.map((s) => [s.ID, s]))));
  });

  app.get('/v1/agent/checks', async (req: Req, reply) => {
    const filter = filterOf(req);
    const checks = state.checksOnNode(agent.node).map((c) => checkJson(c, c.ServiceID ? (state.service(c.Node, c.ServiceID)?.Tags ?? []) : [])).filter(filter);
    return reply.type('application/json').send(JSON.stringify(Object.fromEntries(checks.map((c) => [c.CheckID, c]))));
  });

  for (const [verb, status] of [['pass', 'passing'], ['warn', 'warning'], ['fail', 'critical']] as const) {
    app.put(`/v1/agent/check/${verb}/:id`, (req: Req, reply) => {
      runner.updateTtl(req.params.id, status, single(req.query.note) ?? '');
      return acknowledged(reply);
    });
  }

  app.put('/v1/agent/check/update/:id', (req: Req, reply) => {
    const update = decodeBody(CheckUpdateSchema, json(req.body));
    runner.updateTtl(req.params.id, update.Status, update.Output ?? '');
    return acknowledged(reply);
  });

  // --- KV -----------------------------------------------------------------------------

  app.get('/v1/kv/*', (req: Req, reply) => {
    const key = req.params['*'] ?? '';
    const recurse = flag(req.query.recurse);
    if (req.query.keys !== undefined) {
      const separator = single(req.query.separator) ?? '';
      return answer(req, reply, kvRead(state, key, true), (entries) => keysUnder(entries.map((e) => e.Key), key, separator), (entries) => entries.length === 0);
    }
    if (flag(req.query.raw)) {
      return answer(req, reply, kvRead(state, key, false), (entries) => Buffer.from(entries[0].Value ?? '', 'base64'), (entries) => entries.length === 0);
    }
    return answer(req, reply, kvRead(state, key, recurse), (entries) => entries.map(kvJson), (entries) => entries.length === 0);
  });

  app.put('/v1/kv/*', (req: Req, reply) => {
    const key = req.params['*'] ?? '';
    const value = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (value.length > MAX_KV_VALUE) throw new ConsulHttpError(413, `Value exceeds ${MAX_KV_VALUE} byte limit`);
    const ok = kvPut(state, key, value, { cas: optionalUint(req.query.cas, 'cas'), flags: optionalUint(req.query.flags, 'flags') });
    return acknowledged(reply, ok);
  });

  app.delete('/v1/kv/*', (req: Req, reply) => {
    const ok = kvDelete(state, req.params['*'] ?? '', { cas: optionalUint(req.query.cas, 'cas'), recurse: flag(req.query.recurse) });
    return acknowledged(reply, ok);
  });

  // --- status -------------------------------------------------------------------------

  // One server, always its own leader; Consul answers with the server RPC address.
  const leader = `${agent.address}:8300`;
  app.get('/v1/status/leader', async (_req, reply) => reply.type('application/json').send(JSON.stringify(leader)));
  app.get('/v1/status/peers', async (_req, reply) => reply.type('application/json').send(JSON.stringify([leader])));

  return app;
}

function json(body: unknown): unknown {
  if (!Buffer.isBuffer(body) || body.length === 0) return undefined;
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConsulHttpError(400, `Request decode failed: ${(err as Error).message}`);
  }
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** `?passing`, `?passing=true`, `?passing=1` are on; `false`/`0` off, as Consul reads them. */
function flag(v: string | string[] | undefined): boolean {
  const s = single(v);
  return s !== undefined && s !== 'false' && s !== '0';
}

function parseIndex(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new ConsulHttpError(400, `Invalid index "${text}"; expected the X-Consul-Index of an earlier answer`);
  return Number(text);
}

function optionalUint(v: string | string[] | undefined, name: string): number | undefined {
  const s = single(v);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s)) throw new ConsulHttpError(400, `Invalid ${name} "${s}"; expected an unsigned integer`);
  return Number(s);
}

/** `?keys`: the keys under `prefix`, rolled up at the first `separator` after it. */
function keysUnder(keys: string[], prefix: string, separator: string): string[] {
  if (!separator) return keys;
  const out = new Set<string>();
  for (const k of keys) {
    const at = k.indexOf(separator, prefix.length);
    out.add(at === -1 ? k : k.slice(0, at + separator.length));
  }
  return [...out];
}
