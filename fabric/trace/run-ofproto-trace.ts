import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { HopRun } from './traceflow';
import type { TraceHop } from './trace-plan';

/** How long one ofproto/trace may take: ovs-vswitchd answers in milliseconds, or is stuck. */
const TIMEOUT_S = 10;

/** The trace could not run although the host's ovs-vswitchd answered: a bad flow, a missing bridge. A bug here, not the user's. */
export class OfprotoTraceError extends Error {
  constructor(message: string, readonly stderr: string) {
    super(message);
    this.name = 'OfprotoTraceError';
  }
}

/**
 * `ovs-appctl -t <vswitchdCtl> ofproto/trace <bridge> <flow>` for one hop, on this
 * machine: the control socket is a unix socket, so only the host itself (or, in the test
 * harness, the machine all simulated hosts share) can reach it. A hop whose socket is not
 * here, or whose ovs-vswitchd does not answer, is `unreachable` with the reason.
 */
export async function runOfprotoTrace(hop: TraceHop): Promise<HopRun> {
  if (!hop.vswitchdCtl) return { unreachable: `host ${hop.host}'s agent did not report ovs-vswitchd's control socket (an agent older than this control plane?)` };
  if (!fs.existsSync(hop.vswitchdCtl)) return { unreachable: `its ovs-vswitchd control socket ${hop.vswitchdCtl} is not on this machine; run loom trace on host ${hop.host}` };
  return new Promise((resolve, reject) => {
    execFile('ovs-appctl', [`--timeout=${TIMEOUT_S}`, '-t', hop.vswitchdCtl!, 'ofproto/trace', hop.bridge, hop.flow], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve({ text: stdout });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return resolve({ unreachable: 'ovs-appctl is not installed on this machine (Debian: openvswitch-switch)' });
      const message = stderr.trim() || err.message;
      // ovs-appctl's own failures to connect: the daemon is not there (any more).
      if (/cannot connect|Connection refused|No such file|timed out|transaction error/i.test(message)) return resolve({ unreachable: `ovs-vswitchd does not answer on ${hop.vswitchdCtl}: ${message}` });
      reject(new OfprotoTraceError(`ofproto/trace on host ${hop.host} failed: ${message} (flow: ${hop.flow})`, stderr));
    });
  });
}
