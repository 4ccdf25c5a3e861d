import type net from 'node:net';
import { OvsdbError } from './ovsdb-error';

/** Where an OVSDB server listens, in OVS's own notation (`ovs-vsctl --db=…`). */
export type Remote = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export class InvalidRemoteError extends OvsdbError {
  constructor(
    readonly remote: string,
    reason: string,
  ) {
    super(`OVSDB remote "${remote}": ${reason}; accepted: unix:PATH, tcp:HOST:PORT (IPv6 as tcp:[ADDR]:PORT)`);
  }
}

export function parseRemote(remote: string): Remote {
  if (remote.startsWith('unix:')) {
    const path = remote.slice('unix:'.length);
    if (!path) throw new InvalidRemoteError(remote, 'the socket path is empty');
    return { kind: 'unix', path };
  }
  if (remote.startsWith('tcp:')) {
    const m = /^tcp:(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(remote);
    if (!m) throw new InvalidRemoteError(remote, 'expected tcp:HOST:PORT');
    const port = Number(m[3]);
    if (port < 1 || port > 65535) throw new InvalidRemoteError(remote, `port ${m[3]} is not in 1..65535`);
    return { kind: 'tcp', host: m[1] ?? m[2], port };
  }
  if (remote.startsWith('ssl:')) throw new InvalidRemoteError(remote, 'SSL is not supported');
  if (remote.startsWith('punix:') || remote.startsWith('ptcp:')) {
    throw new InvalidRemoteError(remote, 'that is a listening (server) address; a client connects to unix: or tcp:');
  }
  throw new InvalidRemoteError(remote, 'unknown kind');
}

export function connectOptions(remote: Remote): net.NetConnectOpts {
  return remote.kind === 'unix' ? { path: remote.path } : { host: remote.host, port: remote.port };
}
