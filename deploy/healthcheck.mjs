#!/usr/bin/env node
/**
 * grpc.health.v1 probe, used as the containers' HEALTHCHECK and by `npm start`.
 *
 *   node deploy/healthcheck.mjs [host:port] [service] [timeoutMs]
 *
 * Exits 0 when the server answers SERVING, 1 otherwise (and prints why). Plain
 * JavaScript on purpose: it runs in the runtime image without a build step.
 * Defaults come from HEALTHCHECK_ADDRESS (127.0.0.1:$GRPC_PORT).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

const HealthClient = grpc.makeGenericClientConstructor(healthService, 'Health');

/**
 * Resolves the serving status ("SERVING", "NOT_SERVING", ...) of `service`
 * ("" = the whole server) at `address`, or rejects with the gRPC error.
 * @param {string} address host:port
 * `caFile` trusts a private CA (or a self-signed certificate) for TLS.
 * @param {{ service?: string, timeoutMs?: number, tls?: boolean, caFile?: string }} [options]
 * @returns {Promise<string>}
 */
export function checkHealth(address, options = {}) {
  const creds = options.tls
    ? grpc.credentials.createSsl(options.caFile ? readFileSync(options.caFile) : undefined)
    : grpc.credentials.createInsecure();
  const client = new HealthClient(address, creds);
  return new Promise((resolve, reject) => {
    client.Check(
      { service: options.service ?? '' },
      { deadline: Date.now() + (options.timeoutMs ?? 2000) },
      (err, res) => {
        client.close();
        if (err) reject(err);
        else resolve(String(res.status));
      },
    );
  });
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const port = process.env.GRPC_PORT ?? '50051';
  const address = process.argv[2] || process.env.HEALTHCHECK_ADDRESS || `127.0.0.1:${port}`;
  const service = process.argv[3] ?? '';
  const timeoutMs = Number(process.argv[4] ?? 2000);
  const tls = Boolean(process.env.TLS_CERT_FILE);
  const caFile = process.env.HEALTHCHECK_CA_FILE || undefined;
  checkHealth(address, { service, timeoutMs, tls, caFile }).then(
    (status) => {
      process.stdout.write(`${address} ${status}\n`);
      process.exitCode = status === 'SERVING' ? 0 : 1;
    },
    (err) => {
      process.stdout.write(`${address} unhealthy: ${err.details ?? err.message}\n`);
      process.exitCode = 1;
    },
  );
}
