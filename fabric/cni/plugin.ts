import { AGENT_PATHS, type CniRequest } from './agent-protocol';
import { callAgent } from './agent-client';
import { parseNetworkConfig, SUPPORTED_VERSIONS } from './cni-config';
import { parseCniEnvironment } from './cni-env';
import { CNI_ERRORS, CniError } from './cni-errors';
import type { CniResult } from './cni-result';

export interface PluginOutcome {
  /** What goes to stdout: the result, the version answer, an error, or nothing (DEL, CHECK). */
  stdout: string;
  exitCode: 0 | 1;
}

/**
 * One invocation of the plugin: reads the network config and the CNI_* environment,
 * hands the work to the host's agent and turns its answer (or any failure) into what
 * the spec wants on stdout. Never throws.
 */
export async function runPlugin(stdin: string, env: NodeJS.ProcessEnv): Promise<PluginOutcome> {
  let cniVersion: string = SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1];
  try {
    const cni = parseCniEnvironment(env);
    if (cni.command === 'VERSION') return ok({ cniVersion, supportedVersions: [...SUPPORTED_VERSIONS] });
    const config = parseNetworkConfig(stdin);
    cniVersion = config.cniVersion;
    const request: CniRequest = {
      cniVersion,
      containerId: cni.containerId,
      netns: cni.netns,
      ifname: cni.ifname,
      network: config.network,
      args: cni.args,
      ...(config.prevResult ? { prevResult: config.prevResult } : {}),
    };
    switch (cni.command) {
      case 'ADD':
        return ok(await callAgent<CniResult>(config.agentSocket, 'POST', AGENT_PATHS.add, request));
      case 'DEL':
        await callAgent(config.agentSocket, 'POST', AGENT_PATHS.del, request);
        return { stdout: '', exitCode: 0 };
      case 'CHECK':
        await callAgent(config.agentSocket, 'POST', AGENT_PATHS.check, request);
        return { stdout: '', exitCode: 0 };
    }
  } catch (err) {
    const error = err instanceof CniError ? err : new CniError(CNI_ERRORS.IO_FAILURE, `loom-cni: ${(err as Error).message}`);
    return { stdout: `${JSON.stringify(error.toOutput(cniVersion))}\n`, exitCode: 1 };
  }
}

function ok(value: unknown): PluginOutcome {
  return { stdout: `${JSON.stringify(value)}\n`, exitCode: 0 };
}
