import http from 'node:http';
import { type AgentErrorBody } from './agent-protocol';
import { CNI_ERRORS, CniError } from './cni-errors';

/** Runtimes wait minutes for a plugin; an agent that has not answered by then is stuck, and the runtime should retry. */
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Sends one request to the agent over its unix socket. Whatever goes wrong becomes a
 * CniError: the agent's own error body as it is, an unreachable or silent agent as 11
 * (try again later).
 */
export function callAgent<T>(socketPath: string, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      { socketPath, method, path, timeout: timeoutMs, headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(unreachable(socketPath, err)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text === '' ? {} : JSON.parse(text);
          } catch {
            return reject(new CniError(CNI_ERRORS.IO_FAILURE, `loom-cni: the agent at ${socketPath} answered HTTP ${res.statusCode} with something that is not JSON`, text.slice(0, 500)));
          }
          if (res.statusCode === 200) return resolve(parsed as T);
          const error = parsed as Partial<AgentErrorBody>;
          if (typeof error.code === 'number' && typeof error.msg === 'string') return reject(new CniError(error.code as CniError['code'], error.msg, error.details));
          reject(new CniError(CNI_ERRORS.IO_FAILURE, `loom-cni: the agent at ${socketPath} answered HTTP ${res.statusCode}`, text.slice(0, 500)));
        });
      },
    );
    req.on('timeout', () => req.destroy(new CniError(CNI_ERRORS.TRY_AGAIN_LATER, `loom-cni: the Loom agent at ${socketPath} did not answer within ${timeoutMs / 1000} s; try again later`)));
    req.on('error', (err) => reject(err instanceof CniError ? err : unreachable(socketPath, err)));
    req.end(payload);
  });
}

function unreachable(socketPath: string, err: Error): CniError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' || code === 'ECONNREFUSED' ? 'nothing listens there' : err.message;
  return new CniError(
    CNI_ERRORS.TRY_AGAIN_LATER,
    `loom-cni: cannot reach the Loom agent at ${socketPath} (${why}); is \`loom agent\` running on this host with --socket ${socketPath}? (the network config's "agentSocket" names the socket)`,
    undefined,
    { cause: err },
  );
}
