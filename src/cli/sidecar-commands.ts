import fs from 'node:fs';
import { Command, Option } from 'commander';
import { formatHostPort, parseHostPort, resolveDaemonConfig } from '../config';
import { InvalidInputError, LoomError, describeCause, type InputProblem } from '../errors';
import { createLogger } from '../log';
import { DEFAULT_INIT_IMAGE, DEFAULT_PROXY_IMAGE, supportsNativeSidecars, type InjectionConfig } from '../../sidecar/inject/injection-config';
import { injectManifests } from '../../sidecar/inject/inject-manifests';
import { startWebhookServer } from '../../sidecar/inject/webhook-server';
import { parseImage } from '../../sidecar/inject/annotations';
import { applyRedirect, redirectRulesText } from '../../sidecar/redirect/apply-redirect';
import { BACKENDS, detectBackend } from '../../sidecar/redirect/backend';
import { runLocally } from '../../sidecar/redirect/command-runner';
import { PROXY_UID } from '../../sidecar/redirect/proxy-ports';
import { parseCidrList, parsePortList, parseUid, parseUidList, type Parsed, type RedirectConfig } from '../../sidecar/redirect/redirect-config';

/**
 * `loom inject`, `loom webhook` and `loom redirect` (what the injected init container
 * runs). Flags are checked before anything happens; a bad one names itself and what it
 * accepts.
 */
export function registerSidecarCommands(program: Command): void {
  injectionOptions(
    program
      .command('inject')
      .description('add the Loom sidecar to the pods of Kubernetes manifests (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, List)')
      .requiredOption('-f, --filename <file>', 'manifest file, several YAML documents allowed; - reads standard input'),
  ).action(async (opts: InjectionFlags & { filename: string }) => {
    const config = injectionConfig(opts);
    const text = opts.filename === '-' ? await readStdin() : readFile(opts.filename, '--filename');
    const result = injectManifests(text, opts.filename === '-' ? 'stdin' : opts.filename, config);
    process.stdout.write(result.text);
    for (const line of result.report) process.stderr.write(`loom inject: ${line}\n`);
  });

  injectionOptions(
    program
      .command('webhook')
      .description('serve the Kubernetes mutating admission webhook that injects the Loom sidecar')
      .option('--listen <host:port>', 'HTTPS address', '0.0.0.0:9443')
      .requiredOption('--tls-cert <file>', 'server certificate (PEM), reloaded when the file changes')
      .requiredOption('--tls-key <file>', 'its private key (PEM)'),
  ).action(async (opts: InjectionFlags & { listen: string; tlsCert: string; tlsKey: string }) => {
    const config = injectionConfig(opts);
    const log = createLogger('loom');
    const server = await startWebhookServer({ listen: parseHostPort(opts.listen, '--listen'), tlsCert: opts.tlsCert, tlsKey: opts.tlsKey, config, log });
    process.stdout.write(`Loom webhook is up: https://${formatHostPort(server.address)}\n`);
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
    });
    log.info('shutting down');
    await server.close();
  });

  program
    .command('redirect')
    .description("capture the pod's TCP traffic for the sidecar (iptables or nftables; atomic, idempotent)")
    .addOption(new Option('--backend <backend>', 'netfilter front end').choices(['auto', ...BACKENDS]).default('auto'))
    .option('--proxy-uid <uid>', "the proxy's UID, whose traffic is never captured", String(PROXY_UID))
    .option('--exclude-inbound-ports <ports>', 'inbound ports not captured, e.g. 8081,9090')
    .option('--exclude-outbound-ports <ports>', 'outbound destination ports not captured')
    .option('--exclude-outbound-cidrs <cidrs>', 'outbound destinations not captured, e.g. 10.0.0.0/8,169.254.169.254')
    .option('--exclude-outbound-uids <uids>', 'UIDs whose outbound traffic is not captured')
    .option('--dry-run', 'print the rules instead of installing them')
    .action((opts: RedirectFlags) => {
      const config = redirectConfig(opts);
      if (opts.dryRun) {
        process.stdout.write(redirectRulesText(config, opts.backend === 'auto' ? detectBackend(runLocally).backend : opts.backend));
        return;
      }
      const result = applyRedirect(config, opts.backend, runLocally);
      const how = `${result.backend}${result.detected ? ` (detected: ${result.detected})` : ''}`;
      process.stdout.write(result.changed ? `redirect installed with ${how}\n` : `redirect unchanged, already installed with ${how}\n`);
    });
}

interface InjectionFlags {
  xds?: string;
  xdsCa?: string;
  proxyImage: string;
  initImage: string;
  kubeVersion?: string;
  redirectBackend: InjectionConfig['redirectBackend'];
}

function injectionOptions(command: Command): Command {
  return command
    .option('--xds <host:port>', "Loom's xDS address as pods reach it (env LOOM_XDS_ADDR, default 127.0.0.1:18000)")
    .option('--xds-ca <file>', "CA bundle (PEM) that signed the xDS server's certificate: the proxy then connects with TLS")
    .option('--proxy-image <image>', 'Envoy image of the sidecar (pod annotation loom.io/proxy-image overrides it)', DEFAULT_PROXY_IMAGE)
    .option('--init-image <image>', 'image with loom and iptables/nft for the redirect init container', DEFAULT_INIT_IMAGE)
    .option('--kube-version <major.minor>', 'Kubernetes version of the cluster; before 1.29 the proxy is a regular container held ready by a postStart hook (default: 1.29 or later)')
    .addOption(new Option('--redirect-backend <backend>', 'netfilter front end the init container uses').choices(['auto', ...BACKENDS]).default('auto'));
}

function injectionConfig(opts: InjectionFlags): InjectionConfig {
  const problems: InputProblem[] = [];
  for (const [flag, image] of [['--proxy-image', opts.proxyImage], ['--init-image', opts.initImage]]) {
    const parsed = parseImage(image);
    if (!parsed.ok) problems.push({ source: flag, message: parsed.message });
  }
  const native = opts.kubeVersion === undefined ? true : supportsNativeSidecars(opts.kubeVersion);
  if (native === undefined) problems.push({ source: '--kube-version', message: `"${opts.kubeVersion}" is not a Kubernetes version; expected major.minor, e.g. 1.28 or v1.30.2` });
  if (problems.length > 0) throw new InvalidInputError(problems);
  let caPem: string | undefined;
  if (opts.xdsCa !== undefined) {
    caPem = readFile(opts.xdsCa, '--xds-ca');
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new InvalidInputError([{ source: opts.xdsCa, message: 'expected PEM certificates (-----BEGIN CERTIFICATE-----) for --xds-ca' }]);
  }
  return {
    xds: resolveDaemonConfig({ xds: opts.xds }).xds,
    ...(caPem ? { xdsTls: { caPem } } : {}),
    proxyImage: opts.proxyImage,
    initImage: opts.initImage,
    nativeSidecar: native!,
    redirectBackend: opts.redirectBackend,
  };
}

interface RedirectFlags {
  backend: 'auto' | (typeof BACKENDS)[number];
  proxyUid: string;
  excludeInboundPorts?: string;
  excludeOutboundPorts?: string;
  excludeOutboundCidrs?: string;
  excludeOutboundUids?: string;
  dryRun?: boolean;
}

function redirectConfig(opts: RedirectFlags): RedirectConfig {
  const problems: InputProblem[] = [];
  const take = <T>(p: Parsed<T>, flag: string, fallback: T): T => {
    if (p.ok) return p.value;
    problems.push({ source: flag, message: p.message });
    return fallback;
  };
  const config: RedirectConfig = {
    proxyUid: take(parseUid(opts.proxyUid), '--proxy-uid', PROXY_UID),
    excludeInboundPorts: take(parsePortList(opts.excludeInboundPorts ?? ''), '--exclude-inbound-ports', []),
    excludeOutboundPorts: take(parsePortList(opts.excludeOutboundPorts ?? ''), '--exclude-outbound-ports', []),
    excludeOutboundCidrs: take(parseCidrList(opts.excludeOutboundCidrs ?? ''), '--exclude-outbound-cidrs', []),
    excludeOutboundUids: take(parseUidList(opts.excludeOutboundUids ?? ''), '--exclude-outbound-uids', []),
  };
  if (problems.length > 0) throw new InvalidInputError(problems);
  return config;
}

function readFile(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new LoomError(`cannot read ${file} (${flag}): ${describeCause(err)}`, { cause: err });
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
