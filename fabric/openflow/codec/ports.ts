import { OpenFlowEncodeError } from './errors';

/** Reserved port numbers (`ofp_port_no`); physical ports are 1..MAX. */
export const Port = {
  MAX: 0xffffff00,
  IN_PORT: 0xfffffff8,
  TABLE: 0xfffffff9,
  NORMAL: 0xfffffffa,
  FLOOD: 0xfffffffb,
  ALL: 0xfffffffc,
  CONTROLLER: 0xfffffffd,
  LOCAL: 0xfffffffe,
  ANY: 0xffffffff,
} as const;

/** Reserved group numbers (`ofp_group`). */
export const Group = { MAX: 0xffffff00, ALL: 0xfffffffc, ANY: 0xffffffff } as const;

/** Reserved table numbers: ALL selects every table in flow deletes and flow stats requests. */
export const Table = { MAX: 0xfe, ALL: 0xff } as const;

/** `buffer_id` meaning "the packet is not buffered on the switch". */
export const NO_BUFFER = 0xffffffff;

/** `max_len` of an output to CONTROLLER: NO_BUFFER sends the whole packet. */
export const ControllerMaxLen = { MAX: 0xffe5, NO_BUFFER: 0xffff } as const;

/**
 * Nicira actions kept OpenFlow 1.0's 16-bit port numbers, whose reserved range starts at
 * 0xff00; OpenFlow 1.1+ moved it to 0xffffff00. Values here are always 32-bit.
 */
export function portFrom16(port: number): number {
  return port >= 0xff00 ? (port + 0xffff0000) >>> 0 : port;
}

export function portTo16(port: number, what: string): number {
  if (port >>> 0 === port) {
    if (port < 0xff00) return port;
    if (port >= 0xffffff00) return port - 0xffff0000;
  }
  throw new OpenFlowEncodeError(what, `port ${String(port)} has no 16-bit form (1..0xfeff or a reserved port)`);
}
