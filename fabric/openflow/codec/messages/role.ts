import type { Reader } from '../reader';
import { wireValue, type Writer } from '../writer';

/** Controller roles; `nochange` only queries the current role. */
export const ControllerRole = { nochange: 0, equal: 1, master: 2, slave: 3 } as const;
export type ControllerRole = keyof typeof ControllerRole;
const ROLE_NAMES = Object.keys(ControllerRole) as ControllerRole[];

/**
 * ROLE_REQUEST / ROLE_REPLY. A switch refuses a master or slave request whose
 * `generationId` is older (in serial-number arithmetic) than one it has seen.
 */
export interface RoleMessage {
  type: 'role_request' | 'role_reply';
  xid: number;
  role: ControllerRole;
  generationId: bigint;
}
export interface RoleRequest extends RoleMessage {
  type: 'role_request';
}
export interface RoleReply extends RoleMessage {
  type: 'role_reply';
}

export function writeRole(w: Writer, m: RoleMessage): void {
  w.u32(wireValue(ControllerRole, m.role, `${m.type}.role`), `${m.type}.role`);
  w.zeros(4);
  w.u64(m.generationId, `${m.type}.generationId`);
}

export function readRole<T extends RoleMessage['type']>(r: Reader, type: T, xid: number): RoleMessage & { type: T } {
  const at = r.pos;
  const value = r.u32('role');
  const role = ROLE_NAMES[value];
  if (role === undefined) r.failAt(at, 'role 0..3', `${value}`);
  r.skip(4, 'padding');
  return { type, xid, role, generationId: r.u64('generation_id') };
}
