import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { formatHostPort, type HostPort } from '../../src/config';
import { LoomError, describeCause } from '../../src/errors';
import type { Logger } from '../../src/log';
import { NAMESPACE_LABEL } from './annotations';
import { NotAnAdmissionReviewError, reviewPodAdmission } from './admission-review';
import type { InjectionConfig } from './injection-config';

/**
 * The HTTPS server kube-apiserver calls. AdmissionReview carries no namespace labels, so
 * the MutatingWebhookConfiguration asks on two paths and its namespaceSelectors tell which
 * one applies (deploy/webhook/webhook.yaml):
 *   POST /inject                      pods in namespaces without loom.io/inject=enabled
 *   POST /inject/namespace-enabled    pods in namespaces labelled loom.io/inject=enabled
 *   GET  /healthz
 * The certificate and key are read again when their files change (cert-manager renews
 * them in place), without a restart.
 */
export interface WebhookServerOptions {
  listen: HostPort;
  tlsCert: string;
  tlsKey: string;
  config: InjectionConfig;
  log: Logger;
  /** How often the certificate files are checked for changes. */
  certPollMs?: number;
}

export interface WebhookServer {
  address: HostPort;
  close(): Promise<void>;
}

const PATHS: Record<string, Record<string, string>> = {
  '/inject': {},
  '/inject/namespace-enabled': { [NAMESPACE_LABEL.key]: NAMESPACE_LABEL.enabled },
};

/** kube-apiserver refuses larger requests itself; anything beyond is not a pod. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function startWebhookServer(o: WebhookServerOptions): Promise<WebhookServer> {
  const log = o.log.child({ component: 'webhook' });
  const readTls = () => {
    try {
      return { cert: fs.readFileSync(o.tlsCert), key: fs.readFileSync(o.tlsKey) };
    } catch (err) {
      throw new LoomError(`cannot read the webhook certificate or key (--tls-cert ${o.tlsCert}, --tls-key ${o.tlsKey}): ${describeCause(err)}`, { cause: err });
    }
  };

  const server = https.createServer({ ...readTls(), minVersion: 'TLSv1.2' }, (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'https://webhook');
    if (req.method === 'GET' && url.pathname === '/healthz') return reply(200, { ok: true });
    const namespaceLabels = PATHS[url.pathname];
    if (req.method !== 'POST' || !namespaceLabels) return reply(404, { error: `no such endpoint ${req.method} ${url.pathname}; POST ${Object.keys(PATHS).join(' or ')}` });

    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reply(413, { error: `request body over ${MAX_BODY_BYTES} bytes` });
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      try {
        const { review, mutation } = reviewPodAdmission(JSON.parse(Buffer.concat(chunks).toString('utf8')), namespaceLabels, o.config);
        const r = review.response;
        log.info({ uid: r.uid, allowed: r.allowed, injected: mutation?.injected ?? false, reason: mutation && !mutation.injected ? mutation.reason : r.status?.message }, 'admission review');
        reply(200, review);
      } catch (err) {
        if (err instanceof SyntaxError) return reply(400, { error: `request body is not JSON: ${err.message}` });
        if (err instanceof NotAnAdmissionReviewError) return reply(400, { error: err.message });
        log.error({ err }, 'admission review failed');
        reply(500, { error: `internal error: ${describeCause(err)}` });
      }
    });
  });

  const reload = () => {
    try {
      server.setSecureContext({ ...readTls(), minVersion: 'TLSv1.2' });
      log.info('reloaded the webhook certificate');
    } catch (err) {
      // A renewal is written as two files; a half-written pair fails here and the next poll retries.
      log.warn({ err: describeCause(err) }, 'could not reload the webhook certificate; still serving the previous one');
    }
  };
  const pollOptions = { interval: o.certPollMs ?? 10_000, persistent: false };
  for (const file of [o.tlsCert, o.tlsKey]) fs.watchFile(file, pollOptions, reload);

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new LoomError(`cannot listen on ${formatHostPort(o.listen)}: ${err.message}`, { cause: err })));
    server.listen(o.listen.port, o.listen.host, () => resolve());
  }).catch((err) => {
    for (const file of [o.tlsCert, o.tlsKey]) fs.unwatchFile(file, reload);
    throw err;
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        for (const file of [o.tlsCert, o.tlsKey]) fs.unwatchFile(file, reload);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
