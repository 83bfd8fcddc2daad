import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { type Cluster, REPO, startCluster } from './support/cluster.js';
import { createTestDatabase, dropTestDatabase, type TestDb } from './support/database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: Cluster;
    db: TestDb;
  }
}

/**
 * Starts (or reuses) the shared Postgres primary + replica and gives this run
 * its own migrated database. A missing component fails the run loudly.
 */
export default async function setup(project: TestProject) {
  // In-process tests import the sources (vitest.config.ts aliases), but some tests start the
  // services as child processes from dist/: build first (incremental, under a second when fresh)
  // so those never run stale code either.
  execFileSync(process.execPath, [`${REPO}/node_modules/typescript/bin/tsc`, '-b'], {
    cwd: REPO,
    stdio: 'inherit',
  });
  const cluster = await startCluster({
    dir: process.env.PG_DIR ?? `${REPO}/.data/pg`,
    primaryPort: Number(process.env.PG_PRIMARY_PORT ?? 55432),
    replicaPort: Number(process.env.PG_REPLICA_PORT ?? 55433),
  });
  const name = `autoserve_test_${process.pid}_${Date.now().toString(36)}`;
  const db = await createTestDatabase(cluster, name);
  project.provide('cluster', cluster);
  project.provide('db', db);
  return async () => {
    await dropTestDatabase(cluster, name);
  };
}
