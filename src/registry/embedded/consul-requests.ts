import { z } from 'zod';
import { formatPath } from '../../model/documents';
import { parseGoDuration } from '../go-duration';
import { CHECK_STATUSES } from '../registry';
import { ConsulHttpError } from './consul-http-error';

/**
 * Request bodies of the Consul API, validated before anything is stored. Field names
 * match as Consul's Go decoder matches them: case-insensitively, and with snake_case
 * accepted (`deregister_critical_service_after`). Map-valued fields (Meta, Header, …)
 * keep their keys as sent. An unknown field is refused with the accepted ones listed;
 * Consul features Loom does not implement are refused by name, never silently dropped.
 */

const MAX_META_PAIRS = 64;
const META_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** Renames keys to the canonical field names in `fields`; others stay for the strict check to report. */
function canonical(fields: readonly string[]) {
  const byLoose = new Map(fields.map((f) => [loose(f), f]));
  return (value: unknown) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [byLoose.get(loose(k)) ?? k, v]));
  };
}

function loose(key: string): string {
  return key.replace(/_/g, '').toLowerCase();
}

/** A Consul struct: canonical keys, unknown keys refused, and `unsupported` features refused by name. */
function consulStruct<T extends z.ZodRawShape>(shape: T, unsupported: Record<string, string> = {}) {
  const fields = [...Object.keys(shape), ...Object.keys(unsupported)];
  const strict = z
    .looseObject(shape)
    .superRefine((obj, ctx) => {
      for (const k of Object.keys(obj)) {
        if (Object.hasOwn(shape, k)) continue;
        const value = (obj as Record<string, unknown>)[k];
        if (Object.hasOwn(unsupported, k)) {
          if (!isEmpty(value)) ctx.addIssue({ code: 'custom', path: [k], message: `${unsupported[k]} is not supported by Loom's registry` });
          continue;
        }
        ctx.addIssue({ code: 'custom', path: [k], message: `unknown field; accepted fields: ${Object.keys(shape).join(', ')}` });
      }
    })
    .transform((obj) => Object.fromEntries(Object.entries(obj).filter(([k]) => Object.hasOwn(shape, k))) as z.infer<z.ZodObject<T>>);
  return z.preprocess(canonical(fields), strict);
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '' || value === 'default' || (typeof value === 'object' && Object.keys(value).length === 0);
}

const Duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseGoDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} is not a duration; expected e.g. "10s", "1m30s", "500ms"` });
    return z.NEVER;
  }
  return ms;
});

const Meta = z.record(z.string(), z.string({ error: 'meta values are strings' })).superRefine((meta, ctx) => {
  const keys = Object.keys(meta);
  if (keys.length > MAX_META_PAIRS) ctx.addIssue({ code: 'custom', message: `more than ${MAX_META_PAIRS} key/value pairs` });
  for (const k of keys) {
    if (!META_KEY.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: 'keys are 1-128 characters of letters, digits, "_" and "-"' });
    else if (k.startsWith('consul-')) ctx.addIssue({ code: 'custom', path: [k], message: "the key prefix 'consul-' is reserved for internal use" });
    if (meta[k].length > 512) ctx.addIssue({ code: 'custom', path: [k], message: 'values are at most 512 characters' });
  }
});

const Port = z.number({ error: 'expected a port number' }).int().min(0).max(65535, 'ports are 0-65535');
const Status = z.enum(CHECK_STATUSES, { error: `expected one of ${CHECK_STATUSES.join(', ')}` });
const Tags = z.array(z.string({ error: 'tags are strings' }));
const Weights = consulStruct({ Passing: z.number().int().min(1, 'Passing must be at least 1'), Warning: z.number().int().min(0) });
const ServiceTaggedAddresses = z.record(z.string(), consulStruct({ Address: z.string(), Port: Port.optional() }));

const UNSUPPORTED_CHECKS = {
  Args: 'Script checks (Args)',
  ScriptArgs: 'Script checks (ScriptArgs)',
  Script: 'Script checks',
  DockerContainerID: 'Docker checks',
  Shell: 'Docker checks (Shell)',
  GRPC: 'gRPC checks',
  GRPCUseTLS: 'gRPC checks (GRPCUseTLS)',
  H2PING: 'H2PING checks',
  H2PingUseTLS: 'H2PING checks (H2PingUseTLS)',
  UDP: 'UDP checks',
  AliasNode: 'Alias checks (AliasNode)',
  AliasService: 'Alias checks (AliasService)',
  OSService: 'OS service checks',
  TCPUseTLS: 'TCP checks over TLS (TCPUseTLS)',
  TLSServerName: 'TLSServerName',
  OutputMaxSize: 'OutputMaxSize',
  Namespace: 'Namespaces (Consul Enterprise)',
  Partition: 'Admin partitions (Consul Enterprise)',
};

/** A check the agent runs: Consul's CheckType, TTL, HTTP or TCP. */
export const AgentCheckSchema = consulStruct(
  {
    CheckID: z.string().optional(),
    ID: z.string().optional(),
    Name: z.string().optional(),
    Notes: z.string().optional(),
    Status: Status.optional(),
    ServiceID: z.string().optional(),
    TTL: Duration.optional(),
    HTTP: z.string().optional(),
    Method: z.string().optional(),
    Header: z.record(z.string(), z.array(z.string())).optional(),
    Body: z.string().optional(),
    DisableRedirects: z.boolean().optional(),
    TLSSkipVerify: z.boolean().optional(),
    TCP: z.string().optional(),
    Interval: Duration.optional(),
    Timeout: Duration.optional(),
    DeregisterCriticalServiceAfter: Duration.optional(),
    SuccessBeforePassing: z.number().int().min(0).optional(),
    FailuresBeforeWarning: z.number().int().min(0).optional(),
    FailuresBeforeCritical: z.number().int().min(0).optional(),
  },
  UNSUPPORTED_CHECKS,
).superRefine((c, ctx) => {
  const kinds = (['TTL', 'HTTP', 'TCP'] as const).filter((k) => c[k] !== undefined && c[k] !== '');
  if (kinds.length === 0) ctx.addIssue({ code: 'custom', message: 'Must provide TTL, HTTP or TCP' });
  if (kinds.length > 1) ctx.addIssue({ code: 'custom', message: `Must provide only one of TTL, HTTP, TCP (got ${kinds.join(', ')})` });
  if (c.TTL !== undefined && c.TTL <= 0) ctx.addIssue({ code: 'custom', path: ['TTL'], message: 'TTL must be > 0 for TTL checks' });
  if ((c.HTTP || c.TCP) && !(c.Interval && c.Interval > 0)) ctx.addIssue({ code: 'custom', path: ['Interval'], message: 'Interval must be > 0 for HTTP or TCP checks' });
  if (c.HTTP && !/^https?:\/\/[^\s]+$/.test(c.HTTP)) ctx.addIssue({ code: 'custom', path: ['HTTP'], message: `"${c.HTTP}" is not an http:// or https:// URL` });
  if (c.TCP && !/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(c.TCP)) ctx.addIssue({ code: 'custom', path: ['TCP'], message: `"${c.TCP}" is not host:port` });
});
export type AgentCheck = z.infer<typeof AgentCheckSchema>;

const UNSUPPORTED_SERVICE = {
  Proxy: 'Connect proxies (Proxy)',
  Connect: 'Consul Connect',
  SocketPath: 'Unix socket services (SocketPath)',
  Locality: 'Locality',
  Namespace: 'Namespaces (Consul Enterprise)',
  Partition: 'Admin partitions (Consul Enterprise)',
};

/** `PUT /v1/agent/service/register`. */
export const AgentServiceSchema = consulStruct(
  {
    ID: z.string().optional(),
    Name: z.string({ error: 'expected a service name (string)' }).optional(),
    Tags: Tags.optional(),
    Address: z.string().optional(),
    TaggedAddresses: ServiceTaggedAddresses.optional(),
    Meta: Meta.optional(),
    Port: Port.optional(),
    Kind: z.literal('', { error: 'only typical services (Kind "") are supported by Loom\'s registry' }).optional(),
    Weights: Weights.optional(),
    EnableTagOverride: z.boolean().optional(),
    Check: AgentCheckSchema.optional(),
    Checks: z.array(AgentCheckSchema).optional(),
  },
  UNSUPPORTED_SERVICE,
);
export type AgentService = z.infer<typeof AgentServiceSchema>;

/** A check in `/v1/catalog/register`: its status is set by the caller; Loom does not run it. */
const CatalogCheckSchema = consulStruct(
  {
    Node: z.string().optional(),
    CheckID: z.string().optional(),
    Name: z.string().optional(),
    Notes: z.string().optional(),
    Status: Status.optional(),
    Output: z.string().optional(),
    ServiceID: z.string().optional(),
    Type: z.string().optional(),
    Definition: z.record(z.string(), z.unknown()).optional(),
  },
  { Namespace: 'Namespaces (Consul Enterprise)', Partition: 'Admin partitions (Consul Enterprise)' },
);
export type CatalogCheck = z.infer<typeof CatalogCheckSchema>;

const CatalogServiceSchema = consulStruct(
  {
    ID: z.string().optional(),
    Service: z.string({ error: 'expected a service name (string)' }).optional(),
    Tags: Tags.optional(),
    Address: z.string().optional(),
    TaggedAddresses: ServiceTaggedAddresses.optional(),
    Meta: Meta.optional(),
    Port: Port.optional(),
    Kind: z.literal('', { error: 'only typical services (Kind "") are supported by Loom\'s registry' }).optional(),
    Weights: Weights.optional(),
    EnableTagOverride: z.boolean().optional(),
  },
  UNSUPPORTED_SERVICE,
);

/** `PUT /v1/catalog/register`. */
export const CatalogRegisterSchema = consulStruct(
  {
    ID: z.string().optional(),
    Node: z.string().optional(),
    Address: z.string().optional(),
    Datacenter: z.string().optional(),
    TaggedAddresses: z.record(z.string(), z.string()).optional(),
    NodeMeta: Meta.optional(),
    Service: CatalogServiceSchema.optional(),
    Check: CatalogCheckSchema.optional(),
    Checks: z.array(CatalogCheckSchema).optional(),
    SkipNodeUpdate: z.boolean().optional(),
  },
  { Namespace: 'Namespaces (Consul Enterprise)', Partition: 'Admin partitions (Consul Enterprise)', Locality: 'Locality' },
);
export type CatalogRegister = z.infer<typeof CatalogRegisterSchema>;

/** `PUT /v1/catalog/deregister`. */
export const CatalogDeregisterSchema = consulStruct(
  { Node: z.string().optional(), Datacenter: z.string().optional(), ServiceID: z.string().optional(), CheckID: z.string().optional() },
  { Namespace: 'Namespaces (Consul Enterprise)', Partition: 'Admin partitions (Consul Enterprise)' },
);
export type CatalogDeregister = z.infer<typeof CatalogDeregisterSchema>;

/** `PUT /v1/agent/check/update/:id`. */
export const CheckUpdateSchema = consulStruct({ Status: Status, Output: z.string().optional() });

/**
 * Parses a body like Consul's decoder would, or throws a 400 whose text names the field
 * and what is accepted: `Request decode failed: Checks[0].Interval: "10" is not a duration…`.
 * Check problems read `Invalid check: …`, as Consul's do.
 */
export function decodeBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined || body === null || body === '') throw new ConsulHttpError(400, 'Request decode failed: empty body; expected a JSON object');
  if (typeof body === 'string') throw new ConsulHttpError(400, `Request decode failed: body is not JSON: ${body.slice(0, 60)}`);
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = formatPath(issue.path);
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  const isCheck = result.error.issues.every((i) => i.path.some((p) => p === 'Check' || p === 'Checks'));
  throw new ConsulHttpError(400, `${isCheck ? 'Invalid check' : 'Request decode failed'}: ${problems.join('; ')}`);
}
