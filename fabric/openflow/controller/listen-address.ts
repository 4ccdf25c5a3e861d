import { LoomError } from '../../../src/errors';

/**
 * Where a controller listens: `tcp:HOST:PORT` (also plain `HOST:PORT`, `tcp:[::1]:PORT`) or
 * `unix:PATH`; OVS's own spelling of listening addresses, `ptcp:PORT[:HOST]` and
 * `punix:PATH`, is understood too.
 */
export type ListenAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export class ListenAddressError extends LoomError {
  constructor(
    readonly address: string,
    reason: string,
  ) {
    super(`OpenFlow listen address ${JSON.stringify(address)}: ${reason}; expected tcp:HOST:PORT, HOST:PORT, unix:PATH, ptcp:PORT[:HOST] or punix:PATH`);
  }
}

const HOST = String.raw`(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))`;
const TCP = new RegExp(`^(?:tcp:)?${HOST}:(\\d+)$`);
const PTCP = new RegExp(`^ptcp:(\\d+)(?::${HOST})?$`);

export function parseListenAddress(address: string): ListenAddress {
  const unix = /^p?unix:(.*)$/.exec(address);
  if (unix) {
    if (!unix[1].startsWith('/')) throw new ListenAddressError(address, 'the socket path must be absolute');
    return { kind: 'unix', path: unix[1] };
  }
  // `ptcp:6653` would also read as host "ptcp", port 6653.
  const ptcp = PTCP.exec(address);
  const tcp = ptcp ? null : TCP.exec(address);
  if (!tcp && !ptcp) throw new ListenAddressError(address, 'no host and port');
  // ptcp: without a host listens on every address, as in OVS.
  const [host, port] = tcp ? [tcp[1] ?? tcp[2], tcp[3]] : [ptcp![2] ?? ptcp![3] ?? '0.0.0.0', ptcp![1]];
  if (Number(port) > 65535) throw new ListenAddressError(address, `port ${port} is above 65535`);
  return { kind: 'tcp', host, port: Number(port) };
}

export function formatListenAddress(a: ListenAddress): string {
  return a.kind === 'unix' ? `unix:${a.path}` : `tcp:${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
