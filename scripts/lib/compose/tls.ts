/**
 * The certificate for the compose TLS switch: COMPOSE_TLS_DIR when given
 * (tls.crt, tls.key, ca.crt), else a self-signed one for localhost and
 * 127.0.0.1 generated once under .data/compose/tls. The key is readable only
 * by uid 1000, the services' user.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { REPO } from '../repo.js';

export function ensureTlsDir(env: NodeJS.ProcessEnv, log: (l: string) => void): string {
  const dir = env.COMPOSE_TLS_DIR || `${REPO}/.data/compose/tls`;
  if (env.COMPOSE_TLS_DIR || existsSync(`${dir}/tls.crt`)) return dir;
  mkdirSync(dir, { recursive: true });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '365',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      `${dir}/tls.key`,
      '-out',
      `${dir}/tls.crt`,
    ],
    { stdio: 'ignore' },
  );
  copyFileSync(`${dir}/tls.crt`, `${dir}/ca.crt`);
  chmodSync(`${dir}/tls.key`, 0o600);
  // The services run as uid 1000 inside the containers and must read the key.
  if (process.getuid?.() === 0) chownSync(`${dir}/tls.key`, 1000, 1000);
  log(`generated a self-signed certificate for localhost/127.0.0.1 in ${dir}`);
  return dir;
}
