import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runMigrations } from '@autoserve/runtime';
import pg from 'pg';
import { REPO, startCluster, withDb } from '../../test/support/cluster.js';

/** Superuser URL of the ingest benchmark database (fresh each run) and the scaler role's. */
export async function ingestBenchDatabase(
  name: string,
): Promise<{ owner: string; scaler: string }> {
  let primary = process.env.BENCH_PRIMARY_URL;
  if (!primary) {
    const c = await startCluster({
      dir: process.env.PG_DIR ?? `${REPO}/.data/pg`,
      primaryPort: Number(process.env.PG_PRIMARY_PORT ?? 55432),
      replicaPort: Number(process.env.PG_REPLICA_PORT ?? 55433),
    });
    primary = c.primaryUrl;
  }
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${name}`);
  const admin = new pg.Client({ connectionString: primary });
  await admin.connect();
  try {
    // A fresh database each run: the figures must not depend on an earlier run's bloat.
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const owner = withDb(primary, name);
  await runMigrations(owner);
  return { owner, scaler: withDb(primary, name, 'autoserve_scaler') };
}

export const BENCH_TOKEN = 'bench-ingest-token-0123456789';

/** The Scaler as its own process (as deployed), so its CPU is separate from the load generator's. */
export async function startScalerProcess(
  url: string,
  port: number,
): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [`${REPO}/scaler-service/dist/main.js`], {
    env: {
      ...process.env,
      SCALER_DATABASE_URL: url,
      SCALER_GRPC_PORT: String(port),
      SCALER_METRICS_PORT: '0',
      AUTH_TOKENS: `bench:${BENCH_TOKEN}:write`,
      SCALER_ALLOWED_IMAGES: 'bench',
      LOG_LEVEL: 'warn',
      RETENTION_INTERVAL: '0',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return {
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}
