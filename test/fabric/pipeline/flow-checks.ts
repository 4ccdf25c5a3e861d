import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { encode } from '../../../fabric/openflow/codec';
import type { PipelineFlow } from '../../../fabric/pipeline';

/**
 * What OVS makes of the flows the controller will send, for tests of any feature's flows:
 * each flow's OpenFlow identity as bytes, and OVS's own reading of its FLOW_MOD.
 */

const run = promisify(execFile);

const flowMod = (f: Pick<PipelineFlow, 'tableId' | 'priority' | 'match' | 'instructions'>) =>
  encode({ type: 'flow_mod', xid: 0, command: 'add', tableId: f.tableId, priority: f.priority, match: f.match, instructions: f.instructions });

/** (table, priority, match) as encoded: equal exactly when a switch would hold the two flows as one. */
export function flowIdentity(f: PipelineFlow): string {
  const bytes = flowMod(f);
  // Byte 24 is the table, 30..31 the priority, 48.. the match (its length at 50..51).
  const matchLen = bytes.readUInt16BE(50);
  return bytes.subarray(24, 25).toString('hex') + bytes.subarray(30, 32).toString('hex') + bytes.subarray(48, 48 + matchLen).toString('hex');
}

/** OVS's reading (`ovs-ofctl ofp-print`) of the codec's FLOW_MOD for `f`, in formatFlow's layout with tables by id. */
export async function ofpPrint(f: PipelineFlow): Promise<string> {
  const { stdout } = await run('ovs-ofctl', ['ofp-print', flowMod(f).toString('hex')]);
  const m = /^OFPT_FLOW_MOD \(OF1\.3\) \(xid=0x0\): ADD (?:table:(\d+) )?(.*)$/.exec(stdout.trim());
  if (!m) throw new Error(`unexpected ofp-print output: ${stdout}`);
  return `table=${m[1] ?? 0}, ${m[2]}`;
}
