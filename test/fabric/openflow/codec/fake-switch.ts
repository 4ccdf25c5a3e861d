import * as fs from 'node:fs';
import * as net from 'node:net';
import { rawMessage } from './raw-message';

/**
 * Just enough of an OpenFlow 1.3 switch for ovs-ofctl to complete its commands against
 * it, recording every message ovs-ofctl sends. It builds its replies from raw bytes and
 * frames by the length field alone — nothing from the codec under test — so the bytes it
 * records are OVS's, untouched by our code.
 */

export interface FakeSwitch {
  path: string;
  /** Every message received, in order, across connections. */
  received: Buffer[];
  /** Resolves once no client is connected (all of a command's messages are in). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const ONF = 0x4f4e4600;

function multipartReply(request: Buffer): Buffer {
  const mpType = request.readUInt16BE(8);
  // desc: five fixed-size strings; aggregate: packet, byte and flow counts. Other kinds
  // used by ovs-ofctl are lists, and an empty list is a valid answer.
  const size = mpType === 0 ? 1056 : mpType === 2 ? 24 : 0;
  const body = Buffer.alloc(8 + size);
  body.writeUInt16BE(mpType, 0);
  return rawMessage(19, request.readUInt32BE(4), body);
}

export async function startFakeSwitch(path: string): Promise<FakeSwitch> {
  fs.rmSync(path, { force: true });
  const received: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  let waiters: (() => void)[] = [];
  let config = Buffer.from([0, 0, 0xff, 0xff]);

  const answer = (m: Buffer): Buffer | undefined => {
    const xid = m.readUInt32BE(4);
    switch (m[1]) {
      case 0: // HELLO
        return rawMessage(0, xid);
      case 2: // ECHO_REQUEST
        return rawMessage(3, xid, m.subarray(8));
      case 4: // EXPERIMENTER: answer ONF bundle control requests (even types) with their reply
        if (m.length >= 24 && m.readUInt32BE(8) === ONF && m.readUInt32BE(12) === 2300) {
          const body = Buffer.from(m.subarray(8, 24));
          body.writeUInt16BE(body.readUInt16BE(12) | 1, 12);
          return rawMessage(4, xid, body);
        }
        return undefined;
      case 5: {
        // FEATURES_REQUEST: datapath 1, 254 tables
        const body = Buffer.alloc(24);
        body.writeBigUInt64BE(1n, 0);
        body[12] = 254;
        return rawMessage(6, xid, body);
      }
      case 7: // GET_CONFIG_REQUEST
        return rawMessage(8, xid, config);
      case 9: // SET_CONFIG: remembered, so ovs-ofctl set-frags reads back what it set
        config = Buffer.from(m.subarray(8, 12));
        return undefined;
      case 18:
        return multipartReply(m);
      case 20: // BARRIER_REQUEST
        return rawMessage(21, xid);
      case 24: // ROLE_REQUEST
        return rawMessage(25, xid, m.subarray(8));
      case 26: // GET_ASYNC_REQUEST
        return rawMessage(27, xid, Buffer.alloc(24));
      default:
        return undefined;
    }
  };

  const server = net.createServer((socket) => {
    sockets.add(socket);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 8 && pending.length >= pending.readUInt16BE(2)) {
        const len = pending.readUInt16BE(2);
        if (len < 8) {
          socket.destroy();
          return;
        }
        const m = Buffer.from(pending.subarray(0, len));
        pending = pending.subarray(len);
        received.push(m);
        const reply = answer(m);
        if (reply) socket.write(reply);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) {
        const w = waiters;
        waiters = [];
        for (const resolve of w) resolve();
      }
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
  return {
    path,
    received,
    idle: () => (sockets.size === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
