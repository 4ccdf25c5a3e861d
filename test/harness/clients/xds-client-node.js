/**
 * A proxyless gRPC client (grpc-js + grpc-js-xds) driven over stdin/stdout by
 * test/harness/xds-client.ts. One JSON command per stdin line, one JSON answer per
 * stdout line; stdout carries nothing else. The xDS bootstrap comes from the
 * environment (GRPC_XDS_BOOTSTRAP_CONFIG, or GRPC_XDS_BOOTSTRAP naming a file).
 *
 *   {"id":1,"op":"call","target":"xds:///echo","count":100,"metadata":{...},"timeoutMs":2000,"concurrency":10}
 *     → {"id":1,"results":{"b1":48,"b2":52},"errors":{"14 UNAVAILABLE: ...":0}}
 *   {"id":2,"op":"close"} → {"id":2} and exit 0
 */
const { Buffer } = require('node:buffer');
const readline = require('node:readline');
const grpc = require('@grpc/grpc-js');
require('@grpc/grpc-js-xds').register();

const METHOD = '/loom.test.Echo/Call';
const EMPTY = Buffer.alloc(0);
const identity = (bytes) => bytes;

// One channel per target for the life of the process: tests watch a client follow
// config changes, which a fresh channel per command would hide.
const clients = new Map();

function clientFor(target) {
  let client = clients.get(target);
  if (!client) {
    client = new grpc.Client(target, grpc.credentials.createInsecure());
    clients.set(target, client);
  }
  return client;
}

function callOnce(client, metadata, timeoutMs) {
  return new Promise((resolve) => {
    client.makeUnaryRequest(METHOD, identity, identity, EMPTY, metadata, { deadline: Date.now() + timeoutMs }, (err, reply) =>
      resolve(err ? { error: err.message } : { backend: reply.toString('utf8') }),
    );
  });
}

async function call({ target, count = 1, metadata = {}, timeoutMs = 2000, concurrency = 10 }) {
  const client = clientFor(target);
  const md = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata)) md.set(key, value);
  const results = {};
  const errors = {};
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      const outcome = await callOnce(client, md, timeoutMs);
      if (outcome.error !== undefined) errors[outcome.error] = (errors[outcome.error] ?? 0) + 1;
      else results[outcome.backend] = (results[outcome.backend] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return { results, errors };
}

function send(message, then) {
  process.stdout.write(JSON.stringify(message) + '\n', then);
}

function shutdown() {
  for (const client of clients.values()) client.close();
  clients.clear();
}

async function handle(command) {
  switch (command.op) {
    case 'call':
      return call(command);
    case 'close':
      shutdown();
      return {};
    default:
      throw new Error(`unknown op ${JSON.stringify(command.op)}`);
  }
}

// Commands run concurrently; answers carry the command's id.
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === '') return;
  let command;
  try {
    command = JSON.parse(line);
  } catch (err) {
    send({ error: `bad command ${JSON.stringify(line)}: ${err.message}` });
    return;
  }
  handle(command).then(
    // Exit only once the answer is written, or the parent may never see it.
    (answer) => send({ id: command.id, ...answer }, command.op === 'close' ? () => process.exit(0) : undefined),
    (err) => send({ id: command.id, error: String(err && err.stack ? err.stack : err) }),
  );
}).on('close', () => {
  // The parent went away without saying close: do not linger.
  shutdown();
  process.exit(0);
});

send({ ready: true });
