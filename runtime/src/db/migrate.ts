import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import Postgrator from 'postgrator';

/** Default folder of the numbered .sql migrations (repo-root/migrations). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations', import.meta.url));

// Arbitrary constant shared by every process that migrates; postgrator has
// no lock of its own, so two services starting together would race.
const MIGRATION_LOCK_KEY = 7_305_214_001;

export interface MigrationResult {
  /** Version before and after. */
  from: number;
  to: number;
  /** Files applied by this call (empty when another process already did). */
  applied: string[];
}

/**
 * Applies pending migrations under a session advisory lock. Checksums of
 * applied files are validated, so an edited migration fails loudly.
 */
export async function runMigrations(url: string, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: url, application_name: 'autoserve-migrate' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const postgrator = new Postgrator({
      migrationPattern: `${dir}/*.sql`,
      driver: 'pg',
      schemaTable: 'schema_migrations',
      validateChecksums: true,
      execQuery: (query: string) => client.query(query),
    });
    const from = await postgrator.getDatabaseVersion();
    const applied = await postgrator.migrate();
    const to = await postgrator.getDatabaseVersion();
    return { from, to, applied: applied.map((m) => basename(m.filename)) };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end();
  }
}
