import { Command, InvalidArgumentError, Option } from 'commander';
import { resolveApiUrl } from '../config';
import { LoomError } from '../errors';
import { OfprotoTraceError, runOfprotoTrace, traceflow, TraceParseError, TRACE_PROTOCOLS, type TracePlan } from '../../fabric/trace';
import { ApiClient } from './api-client';
import { formatTrace } from './format';

/**
 * `loom trace`: the control plane plans the trace (the packet as an ofproto/trace flow on
 * the source pod's host, and the legend: pods, groups, compiled rules, tables); this
 * process runs `ovs-appctl ofproto/trace` on each host's ovs-vswitchd it can reach — its
 * control socket is local to the host, so run it on the node (the test harness's hosts all
 * live on one machine) — follows the packet into the tunnel to the next host, and
 * explains what OVS did in the model's terms. A host it cannot reach is said so, with the
 * flow to trace there by hand.
 */
export function registerTraceCommand(program: Command): void {
  program
    .command('trace')
    .description('trace a packet from a pod through the real OVS pipeline: the tables it crosses, the security-group rule that allows or drops it, the backend a VIP balances it to')
    .requiredOption('--from <pod>', 'the sending pod (its Endpoint name)')
    .requiredOption('--to <pod|ip|vip>', "a pod's name, a pod's address in the sender's network, or a Service VIP")
    .addOption(new Option('--proto <protocol>', 'tcp, udp, or icmp (an echo request)').choices([...TRACE_PROTOCOLS]).makeOptionMandatory())
    .option('--dport <port>', 'destination port (tcp and udp: required)', port('--dport'))
    .option('--sport <port>', 'source port (tcp and udp; default 49152)', port('--sport'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--api <url>', 'Loom REST API (env LOOM_API, default http://127.0.0.1:7070)')
    .action(async (opts: { from: string; to: string; proto: string; dport?: number; sport?: number; output: 'text' | 'json'; api?: string }) => {
      const api = new ApiClient(resolveApiUrl(opts.api));
      const request = { from: opts.from, to: opts.to, proto: opts.proto, ...(opts.dport !== undefined ? { dport: opts.dport } : {}), ...(opts.sport !== undefined ? { sport: opts.sport } : {}) };
      const plan = await api.request<TracePlan>('POST', '/v1/trace', { text: JSON.stringify(request), contentType: 'application/json' });
      let result;
      try {
        result = await traceflow(plan, runOfprotoTrace);
      } catch (err) {
        if (err instanceof OfprotoTraceError || err instanceof TraceParseError) throw new LoomError(err.message, { cause: err });
        throw err;
      }
      process.stdout.write((opts.output === 'json' ? JSON.stringify(result, null, 2) : formatTrace(result)) + '\n');
    });
}

function port(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError(`${flag} expects a port 1-65535, got "${value}"`);
    return n;
  };
}
