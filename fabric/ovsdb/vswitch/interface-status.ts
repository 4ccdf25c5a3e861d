import { OvsdbError } from '../ovsdb-error';
import type { Replica } from '../replica';
import { findByName } from './vswitch-tables';

/** What ovs-vswitchd reported for an interface. */
export interface InterfaceStatus {
  readonly name: string;
  /** As stored: the empty string is a system device. */
  readonly type: string;
  /** The OpenFlow port number; `undefined` until assigned, -1 when the interface could not be added. */
  readonly ofport: number | undefined;
  /** `Interface.error`: why ovs-vswitchd could not add it, e.g. `could not open network device x (No such device)`. */
  readonly error: string | undefined;
}

/** ovs-vswitchd could not add the interface to its bridge. */
export class InterfaceError extends OvsdbError {
  constructor(readonly status: InterfaceStatus) {
    super(`interface ${status.name}: ${status.error ?? `ovs-vswitchd gave it no OpenFlow port (ofport ${status.ofport ?? 'unset'})`}`);
  }
}

export function interfaceStatus(replica: Replica, name: string): InterfaceStatus | undefined {
  const row = findByName(replica, 'Interface', name);
  if (!row) return undefined;
  return {
    name,
    type: row.type as string,
    ofport: (row.ofport as readonly number[])[0],
    error: (row.error as readonly string[])[0],
  };
}

/** Whether ovs-vswitchd has dealt with the interface: it has a port number, or failed. */
export function isSettled(status: InterfaceStatus): boolean {
  return status.ofport !== undefined || status.error !== undefined;
}

export function isWorking(status: InterfaceStatus): boolean {
  return status.ofport !== undefined && status.ofport > 0 && status.error === undefined;
}
