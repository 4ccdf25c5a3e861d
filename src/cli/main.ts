import fs from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatHostPort, parseHostPort, resolveApiUrl, resolveDaemonConfig } from '../config';
import { InvalidInputError, LoomError } from '../errors';
import { createLogger } from '../log';
import { KIND_NAMES, kindFromUserWord, type Kind, type Resource } from '../model/kinds';
import type { ApplyResult } from '../api/mesh-operations';
import { startDaemon } from '../daemon/daemon';
import { envoyBootstrap, grpcBootstrap } from '../../sidecar/bootstrap/bootstrap';
import { encodeMessage } from '../../xds/protos';
import type { StreamStatus } from '../../xds/server/stream-registry';
import { ApiClient, ApiError } from './api-client';
import { registerAgentCommands } from './agent-commands';
import { registerSidecarCommands } from './sidecar-commands';
import { registerTraceCommand } from './trace-commands';
import { formatHosts, formatProxyStatus, formatResources, formatRuleStats, type OutputFormat } from './format';
import type { ReportedHost } from '../model/host';
import type { SecurityGroupStats } from '../../fabric/trace';

const outputOption = () => new Option('-o, --output <format>', 'output format').choices(['table', 'yaml', 'json']).default('table');
const apiOption = () => new Option('--api <url>', 'Loom REST API (env LOOM_API, default http://127.0.0.1:7070)');

function kindArgument(word: string): Kind {
  const kind = kindFromUserWord(word);
  if (!kind) throw new InvalidArgumentError(`expected one of ${[...KIND_NAMES.map((k) => k.toLowerCase() + 's'), 'hosts'].join(', ')}`);
  return kind;
}

export function buildProgram(): Command {
  const program = new Command('loom').description('Loom: one model for the OVS fabric, the xDS mesh and Consul discovery').showHelpAfterError();

  program
    .command('up')
    .description('start the Loom control plane on this machine with embedded defaults')
    .option('--xds <host:port>', 'xDS gRPC server (env LOOM_XDS_ADDR, default 127.0.0.1:18000)')
    .option('--api <host:port>', 'REST API (env LOOM_API_ADDR, default 127.0.0.1:7070)')
    .option('--consul-api <host:port>', 'embedded Consul-compatible HTTP API (env LOOM_CONSUL_ADDR, default 127.0.0.1:8500)')
    .option('--dns <host:port>', 'embedded registry DNS (env LOOM_DNS_ADDR, default 127.0.0.1:8600)')
    .option('--consul <url>', 'use this Consul cluster instead of the embedded registry (env LOOM_CONSUL; token from CONSUL_HTTP_TOKEN)')
    .option('--openflow <address...>', 'OpenFlow controller: tcp:HOST:PORT or unix:PATH, repeatable (env LOOM_OPENFLOW_ADDR, comma-separated; default tcp:127.0.0.1:6653)')
    .option('--data-dir <dir>', 'where state is kept (env LOOM_DATA_DIR, default .loom)')
    .option('--state <backend>', 'file (in --data-dir), or redis://HOST:PORT[/DB] to share state, address pools and the OpenFlow master lease with other instances (env LOOM_STATE, default file)')
    .option('--service-cidr <cidr>', 'where Service VIPs come from; must not overlap a Network (env LOOM_SERVICE_CIDR, default 10.96.0.0/16)')
    .action(async (opts: { xds?: string; api?: string; consulApi?: string; dns?: string; consul?: string; openflow?: string[]; dataDir?: string; state?: string; serviceCidr?: string }) => {
      const log = createLogger('loom');
      const daemon = await startDaemon(resolveDaemonConfig(opts), log);
      const registry = daemon.registry
        ? `, Consul API ${daemon.registry.httpUrl}` + (daemon.registry.dns ? `, DNS ${formatHostPort(daemon.registry.dns)}` : '')
        : '';
      const openflow = daemon.openflow?.length ? `, OpenFlow ${daemon.openflow.join(' ')}` : '';
      process.stdout.write(`Loom is up: xDS ${formatHostPort(daemon.xds)}, API ${daemon.apiUrl}${registry}${openflow}\n`);
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      log.info('shutting down');
      await daemon.close();
    });

  program
    .command('apply')
    .description('create or update resources from YAML files, atomically per file')
    .requiredOption('-f, --filename <file...>', 'resource file(s); - reads standard input')
    .addOption(apiOption())
    .action(async (opts: { filename: string[]; api?: string }) => {
      const api = new ApiClient(resolveApiUrl(opts.api));
      for (const file of opts.filename) {
        const text = file === '-' ? await readStdin() : await fs.readFile(file, 'utf8').catch((err: Error) => {
          throw new LoomError(`cannot read ${file}: ${err.message}`, { cause: err });
        });
        const source = file === '-' ? 'stdin' : file;
        const result = await api.request<ApplyResult>('POST', `/v1/apply?source=${encodeURIComponent(source)}`, { text, contentType: 'application/yaml' });
        for (const [verb, names] of [['created', result.created], ['configured', result.configured], ['unchanged', result.unchanged]] as const) {
          for (const name of names) process.stdout.write(`${name} ${verb}\n`);
        }
      }
    });

  program
    .command('get')
    .description('list resources: services, endpoints, routes, securitygroups, networks, hosts')
    .argument('<kind>', 'services | endpoints | routes | securitygroups | networks | hosts', (word: string) => (/^hosts?$/i.test(word) ? 'hosts' : kindArgument(word)))
    .argument('[name]', 'one resource')
    .addOption(new Option('-o, --output <format>', 'output format; wide: securitygroups as a row per rule with its hits').choices(['table', 'wide', 'yaml', 'json']).default('table'))
    .addOption(apiOption())
    .action(async (kind: Kind | 'hosts', name: string | undefined, opts: { output: OutputFormat; api?: string }) => {
      const api = new ApiClient(resolveApiUrl(opts.api));
      if (kind === 'hosts') {
        const hosts = (await api.request<{ items: ReportedHost[] }>('GET', '/v1/hosts')).items.filter((h) => !name || h.name === name);
        process.stdout.write(formatHosts(hosts, opts.output) + '\n');
        return;
      }
      const collection = kind.toLowerCase() + 's';
      const items = name
        ? [await api.request<Resource>('GET', `/v1/${collection}/${encodeURIComponent(name)}`)]
        : (await api.request<{ items: Resource[] }>('GET', `/v1/${collection}`)).items;
      if (kind === 'SecurityGroup' && opts.output === 'wide') {
        const stats = await api.request<SecurityGroupStats>('GET', '/v1/stats/securitygroups');
        process.stdout.write(formatRuleStats(stats, name ? [name] : undefined) + '\n');
        return;
      }
      process.stdout.write(formatResources(kind, items, opts.output) + '\n');
    });

  program
    .command('delete')
    .description('delete one resource')
    .argument('<kind>', 'service | endpoint | route | securitygroup | network', kindArgument)
    .argument('<name>')
    .addOption(apiOption())
    .action(async (kind: Kind, name: string, opts: { api?: string }) => {
      await new ApiClient(resolveApiUrl(opts.api)).request('DELETE', `/v1/${kind.toLowerCase()}s/${encodeURIComponent(name)}`);
      process.stdout.write(`${kind.toLowerCase()}/${name} deleted\n`);
    });

  program
    .command('proxy-status')
    .description('connected xDS clients: what each was sent, ACKed or rejected')
    .addOption(outputOption())
    .addOption(apiOption())
    .action(async (opts: { output: OutputFormat; api?: string }) => {
      const { streams } = await new ApiClient(resolveApiUrl(opts.api)).request<{ streams: StreamStatus[] }>('GET', '/v1/proxy-status');
      process.stdout.write(formatProxyStatus(streams, opts.output) + '\n');
    });

  program
    .command('bootstrap')
    .description('print a bootstrap that points Envoy or a proxyless gRPC client at Loom')
    .requiredOption('--node-id <id>', 'the node id the client presents')
    .option('--cluster <name>', 'the node cluster (default: the node id)')
    .addOption(new Option('--format <format>', 'envoy or grpc').choices(['envoy', 'grpc']).default('envoy'))
    .option('--xds <host:port>', 'Loom xDS address (env LOOM_XDS_ADDR, default 127.0.0.1:18000)')
    .option('--admin-port <port>', 'Envoy admin port on 127.0.0.1', (v) => parseHostPort(`127.0.0.1:${v}`, '--admin-port').port, 15000)
    .action((opts: { nodeId: string; cluster?: string; format: 'envoy' | 'grpc'; xds?: string; adminPort: number }) => {
      const xds = resolveDaemonConfig({ xds: opts.xds }).xds;
      const options = { nodeId: opts.nodeId, cluster: opts.cluster, xds, adminPort: opts.adminPort };
      if (opts.format === 'grpc') {
        process.stdout.write(JSON.stringify(grpcBootstrap(options), null, 2) + '\n');
        return;
      }
      const bootstrap = envoyBootstrap(options);
      // Refuse to print anything Envoy's Bootstrap proto would not accept.
      encodeMessage('envoy.config.bootstrap.v3.Bootstrap', bootstrap);
      process.stdout.write(JSON.stringify(bootstrap, null, 2) + '\n');
    });

  registerAgentCommands(program);
  registerSidecarCommands(program);
  registerTraceCommand(program);
  return program;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
  } catch (err) {
    const known = err instanceof LoomError || err instanceof ApiError || err instanceof InvalidInputError;
    process.stderr.write(`loom: error: ${known ? (err as Error).message : (err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
