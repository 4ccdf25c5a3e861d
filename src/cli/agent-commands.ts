import { Command } from 'commander';
import { createLogger } from '../log';
import { DEFAULT_RECONCILE_INTERVAL_MS, DEFAULT_REPORT_INTERVAL_MS, parseAgentConfig, startAgent, type AgentFlags } from '../../fabric/agent';
import { DEFAULT_AGENT_SOCKET } from '../../fabric/cni';

/**
 * `loom agent`: the per-host agent, run in the host's network namespace (or pointed at
 * it with --netns). Flags are checked together before anything happens; a bad one names
 * itself and what it accepts.
 */
export function registerAgentCommands(program: Command): void {
  program
    .command('agent')
    .description("set up this host's Open vSwitch for Loom (br-int, br-phy, VXLAN, controllers), serve the CNI plugin and report the host to the control plane")
    .option('--host <name>', "this host's name in the cluster (DNS-style)")
    .option('--ovsdb <remote>', "the host's OVSDB: unix:PATH or tcp:HOST:PORT", 'unix:/var/run/openvswitch/db.sock')
    .option('--underlay-ip <ip/prefix>', 'tunnel endpoint address, e.g. 192.168.50.1/24')
    .option('--underlay-iface <name>', 'the NIC carrying the underlay (moved onto br-phy with the userspace datapath)')
    .option('--controller <target>', 'OpenFlow controller of br-int: tcp:IP:PORT, ssl:IP:PORT or unix:/PATH (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--api <url>', 'the control plane REST API, repeatable: one per control-plane instance (env LOOM_API, comma-separated; default http://127.0.0.1:7070)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--socket <path>', 'unix socket the CNI plugin talks to', DEFAULT_AGENT_SOCKET)
    .option('--hw-offload', 'offer datapath flows to capable NICs (other_config:hw-offload=true)')
    .option('--netns <name|path>', "the host's network namespace, when the agent runs outside it")
    .option('--vswitchd-ctl <path>', "ovs-vswitchd's control socket (default: found beside the OVSDB socket or in /var/run/openvswitch)")
    .option('--report-interval <seconds>', 'host report period', String(DEFAULT_REPORT_INTERVAL_MS / 1000))
    .option('--reconcile-interval <seconds>', 'how often the OVS setup is checked without an OVSDB event', String(DEFAULT_RECONCILE_INTERVAL_MS / 1000))
    .action(async (opts: AgentFlags) => {
      const config = parseAgentConfig({ ...opts, api: opts.api ?? (process.env.LOOM_API ?? 'http://127.0.0.1:7070').split(',').map((u) => u.trim()) });
      const log = createLogger('loom-agent');
      const agent = await startAgent(config, log);
      const s = agent.setup!;
      process.stdout.write(
        `Loom agent is up: host ${config.host}, br-int on the ${s.datapathType} datapath${s.fallback ? ` (kernel datapath unavailable: ${s.fallback})` : ''}, ` +
          `tunnel port ${s.tunnelOfport}, pod MTU ${s.podMtu}, hardware offload ${s.hwOffload ? 'on' : 'off'}, CNI socket ${config.socket}\n`,
      );
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      log.info('shutting down');
      await agent.close();
    });
}
