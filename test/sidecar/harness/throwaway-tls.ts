import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway CA and a server certificate it signed (for 127.0.0.1 and a service DNS
 * name), made with the openssl CLI the way deploy/webhook/README.md tells operators to.
 */
export interface ThrowawayTls {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
}

export function makeThrowawayTls(dnsName = 'loom-webhook.loom-system.svc'): ThrowawayTls {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loom-tls-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=loom-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${dnsName}`, '-keyout', 'server.key', '-out', 'server.csr');
  fs.writeFileSync(file('ext.cnf'), `subjectAltName=DNS:${dnsName},IP:127.0.0.1\nextendedKeyUsage=serverAuth\n`);
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'server.crt');
  return { dir, caCert: file('ca.crt'), serverCert: file('server.crt'), serverKey: file('server.key') };
}
