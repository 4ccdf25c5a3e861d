import fs from 'node:fs';
import path from 'node:path';
import type { Commands } from './commands';

/**
 * How many datapath flows the NICs actually hold: `ovs-appctl dpctl/dump-flows
 * type=offloaded` prints one per line (nothing when no NIC took any, as with no capable
 * NIC). `hw-offload=true` alone says only that OVS offers flows to NICs.
 */
export async function countOffloadedFlows(cmds: Commands, vswitchdCtl: string): Promise<number> {
  const out = await cmds.run('ovs-appctl', ['-t', vswitchdCtl, 'dpctl/dump-flows', 'type=offloaded']);
  return out.split('\n').filter((line) => line.trim() !== '').length;
}

/** The run dirs where OVS keeps ovs-vswitchd's control socket, in the order Debian's packaging and OVS's default use. */
const RUN_DIRS = ['/var/run/openvswitch', '/run/openvswitch'];

/**
 * ovs-vswitchd's control socket: `<dir>/ovs-vswitchd.ctl` (started with --unixctl), or
 * `<dir>/ovs-vswitchd.<pid>.ctl` (the default, pid from `ovs-vswitchd.pid`), looked for
 * beside the OVSDB socket first, then in OVS's run dir. Undefined when none is found.
 */
export function findVswitchdControl(ovsdbRemote: string): string | undefined {
  const dirs = ovsdbRemote.startsWith('unix:') ? [path.dirname(ovsdbRemote.slice('unix:'.length)), ...RUN_DIRS] : RUN_DIRS;
  for (const dir of dirs) {
    const fixed = path.join(dir, 'ovs-vswitchd.ctl');
    if (fs.existsSync(fixed)) return fixed;
    try {
      const pid = fs.readFileSync(path.join(dir, 'ovs-vswitchd.pid'), 'utf8').trim();
      const ctl = path.join(dir, `ovs-vswitchd.${pid}.ctl`);
      if (fs.existsSync(ctl)) return ctl;
    } catch {
      // no pidfile here: try the next dir
    }
  }
  return undefined;
}
