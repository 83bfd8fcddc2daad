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
