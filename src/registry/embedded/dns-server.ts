import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import { formatHostPort, type HostPort } from '../../config';
import type { Logger } from '../../log';
import type { CatalogState } from './catalog-state';
import type { AgentNode } from './catalog-writes';
import { RCODE_VALUES, answerQuestion } from './dns-answers';

/**
 * The DNS interface (`127.0.0.1:8600` by default) on UDP and TCP, same port, like
 * Consul's. Packets are encoded and decoded by `dns-packet`; answers come from
 * dns-answers.ts. A UDP answer that does not fit the client's buffer (512 bytes, or
 * its EDNS0 size) is cut to what fits and flagged truncated, so the client retries
 * over TCP.
 */

export interface DnsServer {
  port: number;
  close(): Promise<void>;
}

const FORMERR = 1;
const NOTIMP = 4;
const UDP_DEFAULT_SIZE = 512;

export async function startDnsServer(address: HostPort, state: CatalogState, agent: AgentNode, log: Logger, domain = 'consul'): Promise<DnsServer> {
  const respond = (query: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined => {
    let packet: DecodedPacket;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return query.length >= 2 ? dnsPacket.encode({ type: 'response', id: query.readUInt16BE(0), flags: FORMERR }) : undefined;
    }
    const rd = packet.flag_rd ? dnsPacket.RECURSION_DESIRED : 0;
    const base = { type: 'response' as const, id: packet.id, questions: packet.questions };
    const question = packet.questions?.[0];
    if (!question || packet.questions!.length !== 1 || (packet.flags ?? 0) & 0x7800) {
      return dnsPacket.encode({ ...base, flags: NOTIMP | rd });
    }
    const result = answerQuestion(state, agent, domain, question);
    const flags = dnsPacket.AUTHORITATIVE_ANSWER | rd | RCODE_VALUES[result.rcode];
    const full: Packet = { ...base, flags, answers: result.answers, additionals: result.additionals, authorities: result.authorities };
    const limit = transport === 'udp' ? udpLimit(packet) : Infinity;
    const encoded = dnsPacket.encode(full);
    return encoded.length <= limit ? encoded : truncated(full, limit);
  };

  const tcp = net.createServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        const reply = respond(buffered.subarray(2, 2 + length), 'tcp');
        buffered = buffered.subarray(2 + length);
        if (reply) {
          const framed = Buffer.alloc(2 + reply.length);
          framed.writeUInt16BE(reply.length, 0);
          reply.copy(framed, 2);
          socket.write(framed);
        }
      }
    });
  });

  const { udp, port } = await bindBoth(address, tcp);
  udp.on('error', (err) => log.warn({ err }, 'DNS UDP socket error'));
  udp.on('message', (msg, rinfo) => {
    const reply = respond(msg, 'udp');
    if (reply) udp.send(reply, rinfo.port, rinfo.address);
  });

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        udp.close();
        tcp.close(() => resolve());
      }),
  };
}

/** Attempts at finding a port free on both UDP and TCP, when any port will do. */
const FREE_PORT_ATTEMPTS = 20;

/**
 * UDP and TCP on one port. With port 0 the UDP port is picked by the system and may be
 * taken on TCP (by a listener or an outgoing connection): then another one is tried.
 */
async function bindBoth(address: HostPort, tcp: net.Server): Promise<{ udp: dgram.Socket; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const udp = dgram.createSocket(address.host.includes(':') ? 'udp6' : 'udp4');
    await listening(udp, (done) => udp.bind(address.port, address.host, done));
    const port = udp.address().port;
    try {
      await listening(tcp, (done) => tcp.listen(port, address.host, done));
      return { udp, port };
    } catch (err) {
      udp.close();
      const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (address.port !== 0 || !taken || attempt >= FREE_PORT_ATTEMPTS) {
        throw new Error(`DNS cannot listen on TCP ${formatHostPort({ host: address.host, port })}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
}

function listening(emitter: dgram.Socket | net.Server, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    emitter.once('error', reject);
    start(() => {
      emitter.off('error', reject);
      resolve();
    });
  });
}

/** The client's UDP buffer: its EDNS0 payload size, else 512 bytes. */
function udpLimit(query: DecodedPacket): number {
  const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(UDP_DEFAULT_SIZE, opt?.udpPayloadSize ?? UDP_DEFAULT_SIZE);
}

/** Drops additional records, then answers, until the packet fits; sets TC. */
function truncated(packet: Packet, limit: number): Buffer {
  const flags = (packet.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE;
  const answers: Answer[] = [...(packet.answers ?? [])];
  let encoded = dnsPacket.encode({ ...packet, flags, additionals: [] });
  while (encoded.length > limit && answers.length > 0) {
    answers.pop();
    encoded = dnsPacket.encode({ ...packet, flags, answers, additionals: [] });
  }
  return encoded;
}
