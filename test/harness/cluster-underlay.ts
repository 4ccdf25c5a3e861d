import { Netns, run } from './netns';

/**
 * The wire between simulated hosts: a Linux bridge in a namespace of its own, and one veth
 * per host whose host end (`ul0`) carries the host's underlay address, as a physical NIC
 * would. The agent then moves that NIC into br-phy and the address onto br-phy (the
 * userspace datapath sends VXLAN out of an OVS bridge, see /work/shared/RECIPES.md); the
 * bridge here only switches frames, so the hosts see one plain L2 segment.
 */

/** The host end's name in every host namespace. */
export const UNDERLAY_NIC = 'ul0';
const BRIDGE = 'br-ul';

export interface Underlay {
  /** The namespace holding the bridge. */
  readonly netns: string;
  /** The segment, e.g. `192.168.100.0/24`. */
  readonly cidr: string;
  /** The address host number `index` (0-based) gets: `.1`, `.2`, … of the /24. */
  addressOf(index: number): string;
  /** The bridge port, in the underlay's namespace, that is host number `index`'s wire (where tcpdump sees its traffic). */
  wireOf(index: number): string;
  /** Connects a host namespace: a veth whose end in it is `ul0`, up, with `address/24` on it. */
  attach(hostNetns: string, index: number): Promise<void>;
  /** Deletes the namespace (and with it the bridge and the veths' ends in it). Idempotent. */
  delete(): Promise<void>;
  deleteSync(): void;
}

/** `base`: the first three octets of a /24, e.g. `192.168.100`. */
export async function createUnderlay(base: string): Promise<Underlay> {
  if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(base)) throw new Error(`underlay "${base}": expected the first three octets of a /24, e.g. 192.168.100`);
  const ns = await Netns.create('underlay');
  try {
    await ns.exec('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    await ns.exec('ip', ['link', 'set', BRIDGE, 'up']);
  } catch (err) {
    await ns.delete();
    throw err;
  }
  const underlay: Underlay = {
    netns: ns.name,
    cidr: `${base}.0/24`,
    addressOf: (index) => `${base}.${index + 1}`,
    wireOf: (index) => `u${index}`,
    async attach(hostNetns, index) {
      const wire = underlay.wireOf(index);
      await ns.exec('ip', ['link', 'add', wire, 'type', 'veth', 'peer', 'name', UNDERLAY_NIC, 'netns', hostNetns]);
      await ns.exec('ip', ['link', 'set', wire, 'master', BRIDGE, 'up']);
      await run('ip', ['-n', hostNetns, 'addr', 'add', `${underlay.addressOf(index)}/24`, 'dev', UNDERLAY_NIC]);
      await run('ip', ['-n', hostNetns, 'link', 'set', UNDERLAY_NIC, 'up']);
    },
    delete: () => ns.delete(),
    deleteSync: () => ns.deleteSync(),
  };
  return underlay;
}
