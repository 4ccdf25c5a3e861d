import { once } from 'node:events';
import { JsonFramingError } from '../../../fabric/ovsdb/json-stream-parser';
import { ConnectError, DisconnectedError, ProbeTimeoutError } from '../../../fabric/ovsdb/jsonrpc-errors';
import { JsonRpcSession } from '../../../fabric/ovsdb/jsonrpc-session';
import { createLogger } from '../../../src/log';
import { FakeServer } from './fixtures/fake-server';

/** The sessions here lose connections on purpose. */
const quiet = createLogger('ovsdb-test', 'silent');

describe('JsonRpcSession', () => {
  let server: FakeServer;
  let session: JsonRpcSession | undefined;
  beforeEach(async () => {
    server = await new FakeServer().listen();
  });
  afterEach(async () => {
    await session?.close();
    session = undefined;
    await server.close();
  });
  const start = async (options: ConstructorParameters<typeof JsonRpcSession>[1] = {}) => {
    session = new JsonRpcSession(server.remote, { minBackoffMs: 10, maxBackoffMs: 50, log: quiet, ...options });
    await session.start(2000);
    return session;
  };

  it('answers the server’s echo, and refuses other server requests', async () => {
    await start();
    const peer = await server.nextConnection(0);
    peer.send({ method: 'echo', params: ['ping', 1], id: 'e1' });
    expect(await peer.next()).toEqual({ id: 'e1', result: ['ping', 1], error: null });
    peer.send({ method: 'steal_everything', params: [], id: 7 });
    expect(await peer.next()).toEqual({ id: 7, result: null, error: 'unknown method' });
  });

  it('matches replies to requests in any order and passes notifications on, across split frames', async () => {
    const s = await start();
    const peer = await server.nextConnection(0);
    const notified: unknown[] = [];
    s.on('notification', (method, params) => notified.push([method, params]));
    const first = s.request('a', [1]);
    const second = s.request('b', [2]);
    const [r1, r2] = [await peer.next(), await peer.next()];
    expect([r1, r2]).toEqual([
      { method: 'a', params: [1], id: 1 },
      { method: 'b', params: [2], id: 2 },
    ]);
    const bytes = JSON.stringify({ id: 2, result: 'two', error: null }) + JSON.stringify({ method: 'update', params: ['m', {}], id: null }) + JSON.stringify({ id: 1, result: 'one', error: null });
    for (let i = 0; i < bytes.length; i += 7) peer.send(bytes.slice(i, i + 7));
    expect([await first, await second]).toEqual(['one', 'two']);
    expect(notified).toEqual([['update', ['m', {}]]]);
  });

  it('fails pending requests when the connection drops, reconnects, and fails requests made while down', async () => {
    const s = await start();
    const peer = await server.nextConnection(0);
    const pending = s.request('transact', []);
    await peer.next();
    const reconnected = once(s, 'connect');
    peer.socket.destroy();
    const lost = await pending.catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(DisconnectedError);
    expect(lost).toMatchObject({ method: 'transact', sent: true });
    await expect(s.request('list_dbs', [])).rejects.toMatchObject({ sent: false });
    expect(await reconnected).toEqual([2]);
  });

  it('drops a connection whose bytes are not JSON messages, and reconnects', async () => {
    const s = await start();
    const dropped = once(s, 'disconnect');
    (await server.nextConnection(0)).send('{"id":1} 42');
    const [error] = await dropped;
    expect(error).toBeInstanceOf(JsonFramingError);
    await server.nextConnection(1);
  });

  it('probes a silent peer with echo and drops it when nothing comes back', async () => {
    const s = await start({ probeIntervalMs: 40 });
    const peer = await server.nextConnection(0);
    const dropped = once(s, 'disconnect');
    expect(await peer.next()).toEqual({ method: 'echo', params: [], id: 1 });
    const [error] = await dropped;
    expect(error).toBeInstanceOf(ProbeTimeoutError);
  });

  it('keeps trying to connect until the limit, then says where and why it could not', async () => {
    const nowhere = new JsonRpcSession(`unix:${server.socketPath}.missing`, { minBackoffMs: 10, maxBackoffMs: 20, log: quiet });
    const failure = nowhere.start(150);
    await expect(failure).rejects.toThrow(ConnectError);
    await expect(failure).rejects.toThrow(new RegExp(`^cannot connect to OVSDB at unix:${server.socketPath}.missing within 150 ms: connect ENOENT`));
  });
});
