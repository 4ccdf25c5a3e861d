import Fastify from 'fastify';
import type { Registry } from 'prom-client';
import { AddressError, InvalidInputError, NotFoundError, formatProblem } from '../errors';
import type { Logger } from '../log';
import { KIND_NAMES, kindFromUserWord, type Kind } from '../model/kinds';
import type { FabricDiagnostics } from './fabric-diagnostics';
import type { FabricOperations } from './fabric-operations';
import type { MeshOperations } from './mesh-operations';

/**
 * The REST API (`127.0.0.1:7070` by default), used by the CLI and by anything else:
 *   POST   /v1/apply?source=NAME      body: YAML or JSON resource documents
 *   GET    /v1/{kind}[/{name}]        kind: services | endpoints | routes | securitygroups | networks
 *   DELETE /v1/{kind}/{name}
 *   GET    /v1/proxy-status
 *   GET    /v1/stats/securitygroups   hits of every security-group rule, summed over the hosts
 *   POST   /v1/trace                  {from, to, proto, dport?, sport?} → the ofproto/trace plan for `loom trace`
 *   PUT    /v1/hosts/{name}           an agent reports its host (JSON)
 *   GET    /v1/hosts
 *   POST   /v1/networks/{network}/allocations          {owner, host, ip?, mac?} → address (JSON)
 *   DELETE /v1/networks/{network}/allocations/{owner}  ?host=H: only if still there
 *   GET    /metrics                   Prometheus
 *   GET    /healthz
 * Errors are `{ "error": message, "problems": [...] }` with 400 (bad input) or 404, and
 * address errors `{ "error", "code" }` (AddressErrorCode).
 */
export function buildRestApi(ops: MeshOperations, fabric: FabricOperations, metrics: Registry, log: Logger, diagnostics?: FabricDiagnostics) {
  // Request logs are noise for a control plane; the API logs what it changes instead.
  const app = Fastify({ loggerInstance: log.child({ component: 'api' }, { level: 'warn' }), bodyLimit: 16 * 1024 * 1024 });

  // Resource files are parsed by the model (YAML with line numbers; JSON is YAML), so
  // every body arrives as text.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof InvalidInputError) {
      return reply.code(400).send({ error: err.message, problems: err.problems.map((p) => ({ ...p, text: formatProblem(p) })) });
    }
    if (err instanceof NotFoundError) return reply.code(404).send({ error: err.message });
    if (err instanceof AddressError) return reply.code(err.status).send({ error: err.message, code: err.code });
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status < 500) return reply.code(status).send({ error: (err as Error).message });
    log.error({ err }, 'API request failed');
    return reply.code(500).send({ error: `internal error: ${(err as Error).message}` });
  });

  const kindOf = (word: string): Kind => {
    const kind = kindFromUserWord(word);
    if (!kind) {
      throw new InvalidInputError([{ source: 'request path', message: `unknown kind "${word}"; expected one of ${KIND_NAMES.map((k) => k.toLowerCase() + 's').join(', ')}` }]);
    }
    return kind;
  };

  app.get('/healthz', async () => ({ ok: true }));

  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));

  app.post<{ Querystring: { source?: string }; Body: string }>('/v1/apply', async (req) => {
    if (typeof req.body !== 'string' || req.body.trim() === '') {
      throw new InvalidInputError([{ source: req.query.source ?? 'request body', message: 'empty body; send YAML or JSON resource documents (Content-Type application/yaml or application/json)' }]);
    }
    return ops.apply(req.body, req.query.source ?? 'request body');
  });

  app.get('/v1/proxy-status', async () => ({ streams: ops.proxyStatus() }));

  const diagnosed = (): FabricDiagnostics => {
    if (!diagnostics) throw Object.assign(new Error('this API serves no fabric diagnostics (rule hits, traces)'), { statusCode: 404 });
    return diagnostics;
  };

  app.get('/v1/stats/securitygroups', async () => diagnosed().securityGroupStats());

  app.post<{ Body: string }>('/v1/trace', async (req) => {
    let request: unknown = req.body;
    try {
      request = JSON.parse(req.body ?? '');
    } catch {
      // planTrace refuses it, saying what it expects
    }
    return diagnosed().planTrace(request);
  });

  app.put<{ Params: { name: string }; Body: string }>('/v1/hosts/:name', async (req) => fabric.reportHost({ ...jsonBody(req.body, 'host report'), name: req.params.name }));

  app.get('/v1/hosts', async () => ({ items: fabric.listHosts() }));

  app.post<{ Params: { network: string }; Body: string }>('/v1/networks/:network/allocations', async (req) => {
    const body = jsonBody(req.body, 'allocation request') as { owner?: unknown; host?: unknown; ip?: unknown; mac?: unknown };
    if (typeof body.owner !== 'string' || typeof body.host !== 'string') {
      throw new InvalidInputError([{ source: 'allocation request', message: 'expected {"owner": string, "host": string, "ip"?: string, "mac"?: string}' }]);
    }
    return fabric.allocate(req.params.network, { owner: body.owner, host: body.host, ip: optionalString(body.ip), mac: optionalString(body.mac) });
  });

  app.delete<{ Params: { network: string; owner: string }; Querystring: { host?: string } }>('/v1/networks/:network/allocations/:owner', async (req) => ({
    released: (await fabric.release(req.params.network, req.params.owner, req.query.host)) ?? null,
  }));

  app.get<{ Params: { kind: string } }>('/v1/:kind', async (req) => ({ items: ops.list(kindOf(req.params.kind)) }));

  app.get<{ Params: { kind: string; name: string } }>('/v1/:kind/:name', async (req) => ops.get(kindOf(req.params.kind), req.params.name));

  app.delete<{ Params: { kind: string; name: string } }>('/v1/:kind/:name', async (req, reply) => {
    await ops.delete(kindOf(req.params.kind), req.params.name);
    return reply.code(200).send({ deleted: `${req.params.kind}/${req.params.name}` });
  });

  return app;
}

function jsonBody(body: string | undefined, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body ?? '');
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new InvalidInputError([{ source: what, message: 'expected a JSON object (Content-Type application/json)' }]);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
