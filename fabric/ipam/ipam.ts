/**
 * Cluster IPAM: one address pool per Network, shared by every host. Agents on different
 * hosts allocate from the same pool (Redis), so an address is unique in its network
 * cluster-wide, and it belongs to its owner (a pod), not to a host: a pod that moves keeps
 * its IP and MAC. Networks may overlap; each has its own pool.
 */

/** What `definePool` takes: usually a Network of the model, plus addresses kept out. */
export interface PoolSpec {
  network: string;
  /** `10.244.0.0/16` or `fd00:10::/64`; host bits must be zero. */
  cidr: string;
  /** Never handed out; returned with every allocation. */
  gateway?: string;
  /** Addresses in the CIDR that are never handed out (routers, VIPs, …). */
  reserved?: string[];
}

export interface AllocationRequest {
  network: string;
  /** Stable identity of the workload, e.g. `<namespace>/<pod>`: the key a move keeps. */
  owner: string;
  /** The host the owner runs on now. */
  host: string;
  /** A static IP (CNI_ARGS `IP=`); otherwise the next free address. */
  ip?: string;
  /** A static MAC (CNI_ARGS `MAC=`); otherwise derived from the IP. */
  mac?: string;
}

export interface Allocation {
  network: string;
  owner: string;
  /** Canonical text: dotted quad, or RFC 5952 IPv6. */
  ip: string;
  prefixLength: number;
  /** Lowercase colon form. */
  mac: string;
  host: string;
  gateway?: string;
}

export interface ReleaseOptions {
  /**
   * Release only if the allocation is on this host. A CNI DEL passes its own host: when
   * the pod has already been re-added on another host (a move), the old host's late DEL
   * must not take the address away from the running pod.
   */
  host?: string;
}

export interface GcOptions {
  /** Consider only allocations on this host (an agent knows only its own pods). */
  host?: string;
}

export interface Ipam extends AsyncDisposable {
  /**
   * Creates or replaces a network's pool. The same spec again changes nothing; a different
   * one is refused (`PoolInUseError`) while the network has allocations.
   */
  definePool(spec: PoolSpec): Promise<void>;
  /**
   * The owner's allocation, created if it has none. Idempotent: the same owner gets the
   * same IP and MAC, from any host (the allocation's `host` follows it). A static IP or
   * MAC must be free, or already the owner's.
   */
  allocate(request: AllocationRequest): Promise<Allocation>;
  /** Frees the owner's addresses; resolves with what was freed, undefined if nothing was. */
  release(network: string, owner: string, options?: ReleaseOptions): Promise<Allocation | undefined>;
  get(network: string, owner: string): Promise<Allocation | undefined>;
  /** Every allocation of the network, by address. */
  list(network: string): Promise<Allocation[]>;
  /** Releases, in one step, every allocation whose owner is not in `liveOwners`; resolves with them. */
  gc(network: string, liveOwners: ReadonlySet<string>, options?: GcOptions): Promise<Allocation[]>;
  close(): Promise<void>;
}
