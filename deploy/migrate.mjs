#!/usr/bin/env node
/**
 * The compose stack's one-shot migration job: applies the migrations with the
 * owner URL, then sets the passwords of the service roles (the migrations
 * create them without one: local clusters use trust auth).
 *
 * Env: MIGRATIONS_DATABASE_URL (owner), SCALER_DB_PASSWORD, CONTEXT_DB_PASSWORD.
 */
import { runMigrations } from '@autoserve/runtime';
import pg from 'pg';

const url = process.env.MIGRATIONS_DATABASE_URL;
if (!url) {
  process.stderr.write('MIGRATIONS_DATABASE_URL is required\n');
  process.exit(1);
}
const result = await runMigrations(url);
process.stdout.write(`${JSON.stringify({ msg: 'migrations applied', ...result })}\n`);

const client = new pg.Client({ connectionString: url, application_name: 'autoserve-migrate' });
await client.connect();
try {
  for (const [role, variable] of [
    ['autoserve_scaler', 'SCALER_DB_PASSWORD'],
    ['autoserve_context', 'CONTEXT_DB_PASSWORD'],
  ]) {
    const password = process.env[variable];
    if (!password) continue;
    // ALTER ROLE takes no bind parameters: let the server quote the literal.
    const { rows } = await client.query('SELECT format($1, $2::text, $3::text) AS sql', [
      'ALTER ROLE %I PASSWORD %L',
      role,
      password,
    ]);
    await client.query(rows[0].sql);
    process.stdout.write(`${JSON.stringify({ msg: 'password set', role })}\n`);
  }
} finally {
  await client.end();
}
