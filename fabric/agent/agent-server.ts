import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { LoomError } from '../../src/errors';
import type { Logger } from '../../src/log';
import { AGENT_PATHS, type AgentStatus, type CniRequest } from '../cni/agent-protocol';
import { CNI_ERRORS, CniError } from '../cni/cni-errors';
import type { CniService } from './cni-service';

/** Request bodies are one network config and its prevResult: a megabyte is plenty. */
const MAX_BODY = 1024 * 1024;

const COMMANDS = new Map<string, 'add' | 'del' | 'check'>([
  [AGENT_PATHS.add, 'add'],
  [AGENT_PATHS.del, 'del'],
  [AGENT_PATHS.check, 'check'],
]);

export class SocketInUseError extends LoomError {}

export interface AgentServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

/**
 * Serves the CNI plugin (agent-protocol.ts) on a unix socket, 0660 so only root (and
 * the socket's group) can attach pods. A socket file left by a dead agent is replaced; a
 * live agent on it is not.
 */
export async function serveCniSocket(socketPath: string, cni: CniService, status: () => AgentStatus, log: Logger): Promise<AgentServer> {
  fs.mkdirSync(path.dirname(socketPath), { recursive: true });
  if (fs.existsSync(socketPath)) {
    if (await answers(socketPath)) throw new SocketInUseError(`${socketPath} is in use by another process (another loom agent?); stop it or choose another --socket`);
    fs.rmSync(socketPath, { force: true });
  }
  const server = http.createServer((req, res) => {
    void handle(req, cni, status).then(
      ({ statusCode, body }) => {
        res.writeHead(statusCode, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (err: unknown) => {
        log.error({ err }, 'agent request failed');
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ cniVersion: '1.0.0', code: CNI_ERRORS.IO_FAILURE, msg: `loom agent: ${(err as Error).message}` }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  fs.chmodSync(socketPath, 0o660);
  log.info({ socket: socketPath }, 'serving the CNI plugin');
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        fs.rmSync(socketPath, { force: true });
      }),
  };
}

async function handle(req: http.IncomingMessage, cni: CniService, status: () => AgentStatus): Promise<{ statusCode: number; body: unknown }> {
  if (req.method === 'GET' && req.url === AGENT_PATHS.status) return { statusCode: 200, body: status() };
  const command = req.method === 'POST' ? COMMANDS.get(req.url ?? '') : undefined;
  if (!command) {
    return { statusCode: 404, body: { cniVersion: '1.0.0', code: CNI_ERRORS.IO_FAILURE, msg: `loom agent: no such endpoint ${req.method} ${req.url}; accepted: ${Object.values(AGENT_PATHS).join(', ')}` } };
  }
  let request: CniRequest;
  try {
    request = parseRequest(await readBody(req));
  } catch (err) {
    return { statusCode: 400, body: (err as CniError).toOutput('1.0.0') };
  }
  try {
    const result = command === 'add' ? await cni.add(request) : command === 'del' ? await cni.del(request) : await cni.check(request);
    return { statusCode: 200, body: result ?? {} };
  } catch (err) {
    const error = err instanceof CniError ? err : new CniError(CNI_ERRORS.IO_FAILURE, (err as Error).message);
    return { statusCode: error.code === CNI_ERRORS.TRY_AGAIN_LATER ? 503 : 400, body: error.toOutput(request.cniVersion) };
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy(new CniError(CNI_ERRORS.DECODE_FAILED, `loom agent: request body over ${MAX_BODY} bytes`));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The plugin checked these already; the agent checks again, as any API would. */
function parseRequest(text: string): CniRequest {
  let body: Partial<CniRequest>;
  try {
    body = JSON.parse(text) as Partial<CniRequest>;
  } catch {
    throw new CniError(CNI_ERRORS.DECODE_FAILED, 'loom agent: the request body is not JSON');
  }
  const strings = ['cniVersion', 'containerId', 'netns', 'ifname', 'network'] as const;
  const bad = strings.filter((k) => typeof body[k] !== 'string');
  if (bad.length || typeof body.args !== 'object' || body.args === null) {
    throw new CniError(CNI_ERRORS.DECODE_FAILED, `loom agent: the request lacks ${[...bad, ...(typeof body.args === 'object' && body.args ? [] : ['args'])].join(', ')}; expected {cniVersion, containerId, netns, ifname, network, args, prevResult?}`);
  }
  return body as CniRequest;
}

function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
