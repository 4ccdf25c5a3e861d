import { VSWITCH_TABLES } from '../ovsdb';

/** The host's OVS layout: the names the pipeline, the controller and operators rely on. */
export const BR_INT = 'br-int';
/** The underlay bridge: with the userspace datapath the underlay IP must live on an OVS bridge. */
export const BR_PHY = 'br-phy';
export const TUNNEL_PORT = 'vxlan0';
export const VXLAN_PORT = 4789;
/** VXLAN over IPv4 adds 50 bytes (outer Ethernet 14, IPv4 20, UDP 8, VXLAN 8). */
export const VXLAN_OVERHEAD = 50;

/**
 * Packet-ins the pipeline sends (unknown destinations, ARP for unknown IPs) are limited
 * per bridge by OVS, fairly across ingress ports (see fabric/pipeline README): a pod
 * flooding unknown destinations cannot starve the others, nor the controller.
 */
export const CONTROLLER_RATE_LIMIT = 1000;
export const CONTROLLER_BURST_LIMIT = 250;

/** `external_ids` keys on a pod's Interface; `iface-id` and `attached-mac` are OVS conventions. */
export const PORT_IDS = {
  owner: 'iface-id',
  mac: 'attached-mac',
  network: 'loom-network',
  containerId: 'loom-container-id',
  ifname: 'loom-ifname',
  ip: 'loom-ip',
} as const;

/** What the agent replicates: the vswitch helpers' columns and those it reads itself. */
export const AGENT_TABLES = {
  ...VSWITCH_TABLES,
  Bridge: [...VSWITCH_TABLES.Bridge, 'datapath_id', 'flow_tables'],
  Controller: [...VSWITCH_TABLES.Controller, 'connection_mode', 'controller_rate_limit', 'controller_burst_limit'],
  Flow_Table: ['name'],
} as const;
