import { describeCause, LoomError } from '../../src/errors';

/**
 * What the IPAM refuses, one class per cause so the CNI plugin can map each to its own
 * error code. A refused request changed nothing.
 */
export class IpamError extends LoomError {}

export class UnknownNetworkError extends IpamError {
  constructor(readonly network: string) {
    super(`network "${network}" has no address pool; define the Network (with its CIDR) before attaching pods to it`);
  }
}

/** A pool spec that cannot be a pool. */
export class InvalidPoolError extends IpamError {
  constructor(
    readonly network: string,
    readonly field: 'network' | 'cidr' | 'gateway' | 'reserved',
    readonly value: string,
    reason: string,
  ) {
    super(field === 'network' ? `network name ${JSON.stringify(value)}: ${reason}` : `network "${network}": ${field} "${value}": ${reason}`);
  }
}

/** A different pool for a network that still has allocations would strand them. */
export class PoolInUseError extends IpamError {
  constructor(
    readonly network: string,
    readonly current: string,
    readonly requested: string,
    readonly allocations: number,
  ) {
    super(
      `network "${network}": cannot change its pool from ${current} to ${requested} while ${allocations} address(es) are allocated in it; ` +
        'release them first, or define the same pool again',
    );
  }
}

export class PoolExhaustedError extends IpamError {
  constructor(
    readonly network: string,
    readonly cidr: string,
    /** Addresses the pool can hand out at all (the CIDR less network, broadcast, gateway, reserved). */
    readonly size: number,
  ) {
    super(`network "${network}" (${cidr}): exhausted pool: all ${size} assignable addresses are allocated; release some, or give the network a larger CIDR`);
  }
}

export type AddressKind = 'IP' | 'MAC';

/** A static IP or MAC (or the MAC derived from a static IP) that another owner holds. */
export class AddressInUseError extends IpamError {
  constructor(
    readonly network: string,
    readonly kind: AddressKind,
    readonly address: string,
    readonly owner: string,
    /** The static IP whose derived MAC `address` is, when no MAC was requested. */
    readonly derivedFrom?: string,
  ) {
    super(
      derivedFrom === undefined
        ? `network "${network}": duplicate static ${kind}: ${address} is already allocated to "${owner}"; request a free ${kind}, or none to get one assigned`
        : `network "${network}": static IP ${derivedFrom} would get MAC ${address}, which "${owner}" already holds as its static MAC; request another MAC along with the IP`,
    );
  }
}

/** A static IP or MAC the network can never hand out. */
export class InvalidAddressError extends IpamError {
  constructor(
    readonly network: string,
    readonly kind: AddressKind,
    readonly address: string,
    reason: string,
    accepted: string,
  ) {
    super(`network "${network}": static ${kind} "${address}": ${reason}; accepted: ${accepted}`);
  }
}

/** The owner already has an allocation with another address than the one it now asks for. */
export class AddressMismatchError extends IpamError {
  constructor(
    readonly network: string,
    readonly owner: string,
    readonly kind: AddressKind,
    readonly held: string,
    readonly requested: string,
  ) {
    super(
      `network "${network}": "${owner}" already holds ${kind} ${held}, not the requested ${requested}; ` +
        `request ${held} (or no ${kind}), or release the allocation (CNI DEL) before asking for another`,
    );
  }
}

/** An empty owner, host or network name. */
export class InvalidRequestError extends IpamError {
  constructor(
    readonly field: 'network' | 'owner' | 'host',
    readonly value: unknown,
  ) {
    super(`${field} ${JSON.stringify(value)}: expected a non-empty string`);
  }
}

export class IpamClosedError extends IpamError {
  constructor() {
    super('the IPAM has been closed');
  }
}

/**
 * The backend (Redis) could not be reached or failed. A step that failed this way may or
 * may not have been applied; every IPAM step is idempotent, so repeating it is safe.
 */
export class IpamBackendError extends IpamError {
  constructor(
    readonly operation: string,
    readonly network: string,
    cause: unknown,
  ) {
    super(`IPAM ${operation} in network "${network}": the backend failed: ${describeCause(cause)}; it is safe to try again`, { cause });
  }
}
