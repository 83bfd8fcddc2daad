/**
 * Renders an nginx upstream block from an app's healthy endpoints and keeps it
 * current: follows the Scaler's WatchEndpoints stream, rewrites the file
 * atomically on every change and optionally runs a reload command.
 *
 *   npx tsx scripts/nginx-upstream.ts --app web [--url http://127.0.0.1:50052]
 *     [--token TOKEN] [--out /etc/nginx/conf.d/web-upstream.conf]
 *     [--reload "nginx -s reload"] [--once]
 *
 * Without --out the block is printed to stdout. --once prints the current set
 * and exits. The token defaults to AUTOSERVE_TOKEN.
 */
import { execSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createScalerClient } from '@autoserve/proto';
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { renderUpstream } from '../scaler-service/src/endpoints/nginx.js';

const { values } = parseArgs({
  options: {
    app: { type: 'string' },
    url: { type: 'string', default: 'http://127.0.0.1:50052' },
    token: { type: 'string' },
    out: { type: 'string' },
    reload: { type: 'string' },
    once: { type: 'boolean', default: false },
  },
});
if (!values.app) {
  process.stderr.write(
    'usage: nginx-upstream.ts --app NAME [--url URL] [--token T] [--out FILE] [--reload CMD] [--once]\n',
  );
  process.exit(2);
}
const token = values.token ?? process.env.AUTOSERVE_TOKEN;
const client = createScalerClient({
  baseUrl: values.url!,
  ...(token ? { token } : {}),
});
const abort = new AbortController();
process.on('SIGINT', () => abort.abort());
process.on('SIGTERM', () => abort.abort());

try {
  // A watch has no deadline: timeoutMs <= 0 on the call disables it.
  for await (const msg of client.watchEndpoints(
    { appName: values.app },
    { signal: abort.signal, timeoutMs: 0 },
  )) {
    const text = renderUpstream(values.app, msg.endpoints, {
      revision: msg.revision,
      time: msg.time ? timestampDate(msg.time) : new Date(),
    });
    if (values.out) {
      writeFileSync(`${values.out}.tmp`, text);
      renameSync(`${values.out}.tmp`, values.out);
      process.stderr.write(
        `revision ${msg.revision}: ${msg.endpoints.length} endpoint(s) -> ${values.out}\n`,
      );
      if (values.reload) execSync(values.reload, { stdio: 'inherit' });
    } else {
      process.stdout.write(text);
    }
    if (values.once) break;
  }
} catch (err) {
  if (!abort.signal.aborted) {
    process.stderr.write(`watch failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
} finally {
  client.close();
}
