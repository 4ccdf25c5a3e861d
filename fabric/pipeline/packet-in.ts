/**
 * Packets the pipeline cannot place (an unknown destination MAC, an ARP request for an
 * unknown IP) go to the controller as PACKET_IN with this many leading bytes — Ethernet,
 * IPv4 and a TCP/UDP header, or a whole ARP packet — so it can learn or drop. The packet-in
 * carries table id and registers, so the controller knows why and for which network.
 *
 * Rate limiting is not the pipeline's: OpenFlow 1.3 meters would need meter mods the flow
 * sync does not manage. It is the bridge's: the agent sets `controller_rate_limit` (at
 * least 100 packets/s) and `controller_burst_limit` (at least 25) on br-int's Controller
 * record, which ovs-vswitchd enforces for packets sent by flow actions, queueing fairly
 * per ingress port; the controller may drop more on its side.
 */
export const PACKET_IN_MAX_LEN = 128;
