import { InvalidInputError } from './errors';

/**
 * Daemon addresses and paths. Precedence: command-line flag, then `LOOM_*` environment
 * variable, then the embedded default of `loom up`.
 */
export interface HostPort {
  host: string;
  port: number;
}

export const ADDRESS_SETTINGS = {
  xds: { env: 'LOOM_XDS_ADDR', default: '127.0.0.1:18000', what: 'xDS gRPC server' },
  api: { env: 'LOOM_API_ADDR', default: '127.0.0.1:7070', what: 'REST API' },
  consulApi: { env: 'LOOM_CONSUL_ADDR', default: '127.0.0.1:8500', what: 'embedded Consul-compatible HTTP API' },
  dns: { env: 'LOOM_DNS_ADDR', default: '127.0.0.1:8600', what: 'embedded registry DNS' },
} as const;
export type AddressSetting = keyof typeof ADDRESS_SETTINGS;

/** The service registry: Loom's embedded Consul-compatible one, or a real Consul cluster. */
export type RegistryConfig = { kind: 'embedded'; http: HostPort; dns: HostPort } | { kind: 'consul'; url: string; token?: string };

/**
 * Where the desired state lives: a file in the data dir (one control plane), or Redis
 * (several control planes share the mesh, the IPAM and the controller lease).
 */
export type StateConfig = { kind: 'file' } | { kind: 'redis'; url: string };

export interface DaemonConfig {
  xds: HostPort;
  api: HostPort;
  dataDir: string;
  /** Absent: no registry (tests that exercise only the mesh). */
  registry?: RegistryConfig;
  /** Where the OpenFlow controller listens (`tcp:HOST:PORT`, `unix:PATH`); absent: no controller. */
  openflow?: string[];
  /** Absent: a file in dataDir. */
  state?: StateConfig;
  /** Where Service VIPs come from (absent: DEFAULT_SERVICE_CIDR); must not overlap a Network. */
  serviceCidr?: string;
}

export const DEFAULT_OPENFLOW = 'tcp:127.0.0.1:6653';

export const DEFAULT_DATA_DIR = '.loom';

export function parseHostPort(text: string, source: string): HostPort {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new InvalidInputError([{ source, message: `"${text}" is not an address; expected host:port, e.g. 127.0.0.1:7070 (port 0 picks a free one)` }]);
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export function resolveDaemonConfig(
  flags: Partial<Record<AddressSetting | 'dataDir' | 'consul' | 'state' | 'serviceCidr', string>> & { openflow?: string[] },
  env: NodeJS.ProcessEnv = process.env,
): DaemonConfig {
  const address = (key: AddressSetting): HostPort => {
    const setting = ADDRESS_SETTINGS[key];
    if (flags[key] !== undefined) return parseHostPort(flags[key], `--${key}`);
    if (env[setting.env] !== undefined) return parseHostPort(env[setting.env]!, setting.env);
    return parseHostPort(setting.default, 'default');
  };
  const consulUrl = flags.consul ?? env.LOOM_CONSUL;
  return {
    xds: address('xds'),
    api: address('api'),
    dataDir: flags.dataDir ?? env.LOOM_DATA_DIR ?? DEFAULT_DATA_DIR,
    registry: consulUrl
      ? { kind: 'consul', url: consulUrl, token: env.CONSUL_HTTP_TOKEN }
      : { kind: 'embedded', http: address('consulApi'), dns: address('dns') },
    // OVS in a network namespace cannot reach the root namespace's loopback: list a unix
    // socket in its run dir, or an address it can route to.
    openflow: flags.openflow ?? env.LOOM_OPENFLOW_ADDR?.split(',').map((a) => a.trim()).filter(Boolean) ?? [DEFAULT_OPENFLOW],
    state: parseStateSetting(flags.state ?? env.LOOM_STATE, flags.state !== undefined ? '--state' : 'LOOM_STATE'),
    ...((flags.serviceCidr ?? env.LOOM_SERVICE_CIDR) ? { serviceCidr: flags.serviceCidr ?? env.LOOM_SERVICE_CIDR } : {}),
  };
}

/** `file` (the default) or a Redis URL. */
export function parseStateSetting(text: string | undefined, source: string): StateConfig {
  if (text === undefined || text === '' || text === 'file') return { kind: 'file' };
  if (/^rediss?:\/\/[^/\s]+(\/\d+)?$/.test(text)) return { kind: 'redis', url: text };
  throw new InvalidInputError([{ source, message: `"${text}" is not a state backend; expected file, or a Redis URL such as redis://10.0.0.5:6379 or redis://10.0.0.5:6379/2` }]);
}

/** Where client commands (`apply`, `get`, …) find the REST API. */
export function resolveApiUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return (flag ?? env.LOOM_API ?? 'http://127.0.0.1:7070').replace(/\/+$/, '');
}
