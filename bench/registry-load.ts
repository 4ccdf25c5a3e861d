import http from 'node:http';

/**
 * The client side of `npm run bench:registry`, forked by bench/registry.ts so that on a
 * 2-core machine the registry and its clients each get a core. It speaks plain HTTP/1.1
 * with keep-alive, as Consul clients do, and answers one IPC message per command:
 *   {op: 'block', url, path, index, n}     n blocking queries at `index`; reply
 *                                          {op: 'armed'} once sent, then {op: 'woken',
 *                                          at: [epoch ms per query], failed}
 *   {op: 'register', url, count, concurrency}   agent registrations → {ms, failed}
 *   {op: 'query', url, paths, concurrency, ms}   reads for `ms` → {count, latencies, failed}
 */

export type LoadCommand =
  | { op: 'block'; url: string; path: string; index: number; n: number }
  | { op: 'register'; url: string; count: number; concurrency: number; prefix: string }
  | { op: 'query'; url: string; paths: string[]; concurrency: number; ms: number };

export type LoadReply =
  | { op: 'armed' }
  | { op: 'woken'; at: number[]; failed: number }
  | { op: 'registered'; ms: number; failed: number }
  | { op: 'queried'; count: number; latencies: number[]; failed: number };

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** Wall-clock time with sub-millisecond resolution, comparable across processes. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

function request(url: string, method: string, body?: string): Promise<{ status: number; index: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, index: Number(res.headers['x-consul-index'] ?? 0) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function block(cmd: Extract<LoadCommand, { op: 'block' }>): Promise<LoadReply> {
  const at: number[] = [];
  let failed = 0;
  const url = `${cmd.url}${cmd.path}${cmd.path.includes('?') ? '&' : '?'}index=${cmd.index}&wait=5m`;
  const queries = Array.from({ length: cmd.n }, () =>
    request(url, 'GET').then(
      (r) => (r.status === 200 ? at.push(epochMs()) : failed++),
      () => failed++,
    ),
  );
  send({ op: 'armed' });
  await Promise.all(queries);
  return { op: 'woken', at, failed };
}

async function register(cmd: Extract<LoadCommand, { op: 'register' }>): Promise<LoadReply> {
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < cmd.count) {
      const i = next++;
      const body = JSON.stringify({ Name: `${cmd.prefix}-${i % 100}`, ID: `${cmd.prefix}-${i}`, Address: '10.0.0.1', Port: 10_000 + (i % 50_000), Tags: ['bench'], Check: { TTL: '1h', Status: 'passing' } });
      const r = await request(`${cmd.url}/v1/agent/service/register`, 'PUT', body).catch(() => ({ status: 0 }));
      if (r.status !== 200) failed++;
    }
  };
  await Promise.all(Array.from({ length: cmd.concurrency }, worker));
  return { op: 'registered', ms: performance.now() - started, failed };
}

async function query(cmd: Extract<LoadCommand, { op: 'query' }>): Promise<LoadReply> {
  const latencies: number[] = [];
  let failed = 0;
  const deadline = performance.now() + cmd.ms;
  const worker = async (w: number) => {
    for (let i = w; performance.now() < deadline; i++) {
      const started = performance.now();
      const r = await request(cmd.url + cmd.paths[i % cmd.paths.length], 'GET').catch(() => ({ status: 0 }));
      if (r.status === 200) latencies.push(performance.now() - started);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: cmd.concurrency }, (_, w) => worker(w)));
  return { op: 'queried', count: latencies.length, latencies, failed };
}

function send(reply: LoadReply): void {
  process.send!(reply);
}

if (require.main === module) {
  process.on('message', (cmd: LoadCommand) => {
    const run = cmd.op === 'block' ? block(cmd) : cmd.op === 'register' ? register(cmd) : query(cmd);
    run.then(send, (err: unknown) => {
      process.stderr.write(`[bench:registry load] ${String(err)}\n`);
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.exit(0));
}
