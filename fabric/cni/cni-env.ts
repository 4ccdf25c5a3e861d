import { CNI_ERRORS, CniError } from './cni-errors';

export const CNI_COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION'] as const;
export type CniCommand = (typeof CNI_COMMANDS)[number];

/** What the runtime says in the environment (CNI spec "Parameters"). */
export interface CniEnvironment {
  command: CniCommand;
  containerId: string;
  /** Path of the pod's network namespace; may be empty on DEL (the namespace is gone). */
  netns: string;
  ifname: string;
  /** CNI_ARGS as key → value (`IgnoreUnknown`, `K8S_POD_NAME`, `IP`, `MAC`, …). */
  args: Record<string, string>;
}

// The spec's rules: container ids are alphanumeric plus `_.-`; interface names are what Linux accepts.
const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const MAX_IFNAME = 15;

/** CNI_ARGS: `K=V;K=V`. Unknown keys are the agent's to judge; malformed pairs are refused. */
export function parseCniArgs(text: string): Record<string, string> {
  const args: Record<string, string> = {};
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CniError(CNI_ERRORS.INVALID_ENVIRONMENT, `loom-cni: CNI_ARGS: ${JSON.stringify(pair)} is not KEY=VALUE; expected e.g. IgnoreUnknown=1;K8S_POD_NAME=web-0;IP=10.0.0.5`);
    args[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return args;
}

/** Reads and checks the CNI_* variables `command` needs; a CniError (code 4) names each bad one. */
export function parseCniEnvironment(env: NodeJS.ProcessEnv): CniEnvironment {
  const command = env.CNI_COMMAND ?? '';
  if (!(CNI_COMMANDS as readonly string[]).includes(command)) {
    throw new CniError(CNI_ERRORS.INVALID_ENVIRONMENT, `loom-cni: CNI_COMMAND ${JSON.stringify(command)} is not supported; accepted: ${CNI_COMMANDS.join(', ')}`);
  }
  const result: CniEnvironment = { command: command as CniCommand, containerId: env.CNI_CONTAINERID ?? '', netns: env.CNI_NETNS ?? '', ifname: env.CNI_IFNAME ?? '', args: {} };
  if (command === 'VERSION') return result;
  const problems: string[] = [];
  if (!CONTAINER_ID.test(result.containerId)) problems.push(`CNI_CONTAINERID ${JSON.stringify(result.containerId)}: expected letters, digits, "_", "." and "-", starting with a letter or digit`);
  if (result.ifname === '' || result.ifname.length > MAX_IFNAME || /[/\s:]/.test(result.ifname) || result.ifname === '.' || result.ifname === '..') {
    problems.push(`CNI_IFNAME ${JSON.stringify(result.ifname)}: expected an interface name of 1-${MAX_IFNAME} characters without "/", ":" or spaces`);
  }
  if (command !== 'DEL' && result.netns === '') problems.push(`CNI_NETNS is missing: ${command} needs the path of the pod's network namespace (e.g. /run/netns/pod-1)`);
  else if (result.netns !== '' && !result.netns.startsWith('/')) problems.push(`CNI_NETNS ${JSON.stringify(result.netns)}: expected an absolute path (e.g. /run/netns/pod-1)`);
  if (problems.length) throw new CniError(CNI_ERRORS.INVALID_ENVIRONMENT, `loom-cni ${command}: ${problems.join('; ')}`);
  result.args = parseCniArgs(env.CNI_ARGS ?? '');
  return result;
}
