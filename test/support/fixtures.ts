import { createPool, type Env, type Pool, type RunningService } from '@autoserve/runtime';
import type pg from 'pg';
import { test as base, inject } from 'vitest';
import { type ContextClient, contextClient } from '../integration/context/fixture.js';
import { type ScalerClient, scalerClient } from '../integration/scaler/client.js';
import { type TestDb, testPool } from './database.js';
import { rawClients } from './raw-grpc.js';
import { startContext, startScaler, TOKENS } from './services.js';

/** What a file's services run with beyond serviceEnv's defaults. */
export interface ServiceOptions {
  scalerEnv?: Env;
  contextEnv?: Env;
  /** Connections of `scalerPool` (default 4): a file writing from many tasks at once needs more. */
  scalerPoolMax?: number;
}

/** A started service that stops when its fixture's scope ends. */
async function started(
  starting: Promise<RunningService>,
  onCleanup: (fn: () => Promise<void>) => void,
): Promise<RunningService> {
  const svc = await starting;
  onCleanup(() => svc.stop());
  return svc;
}

/**
 * The started services, clients and pools of an integration file, as vitest fixtures instead of
 * a beforeAll/afterAll copy per file. Each is file-scoped and lazy: a file gets a Scaler only if
 * one of its tests (or a `test.beforeAll`) names `scaler`, `writer` or `reader`, and everything a
 * fixture started stops when the file ends, whatever failed. `db` is the run's migrated database
 * (test/global-setup.ts).
 *
 * `const test = serviceTest({ scalerEnv: { SCALER_EVENTS_POLL_INTERVAL: '300ms' } })`, then
 * `test('...', async ({ writer, owner }) => ...)`.
 */
export function serviceTest(options: ServiceOptions = {}) {
  return (
    base
      .extend('db', { scope: 'worker' }, (): TestDb => inject('db'))
      .extend('scaler', { scope: 'file' }, ({ db }, { onCleanup }) =>
        started(startScaler(db, options.scalerEnv), onCleanup),
      )
      .extend(
        'writer',
        { scope: 'file' },
        ({ scaler }): ScalerClient => scalerClient(scaler.port, TOKENS.write),
      )
      .extend(
        'reader',
        { scope: 'file' },
        ({ scaler }): ScalerClient => scalerClient(scaler.port, TOKENS.read),
      )
      .extend('context', { scope: 'file' }, ({ db }, { onCleanup }) =>
        started(startContext(db, options.contextEnv), onCleanup),
      )
      .extend(
        'contextClient',
        { scope: 'file' },
        ({ context }): ContextClient => contextClient(context),
      )
      // Independent grpc-js clients (raw bytes, health, reflection): what the edge tests speak.
      .extend('rawScaler', { scope: 'file' }, ({ scaler }, { onCleanup }) => {
        const raw = rawClients(`127.0.0.1:${scaler.port}`);
        onCleanup(() => raw.close());
        return raw;
      })
      .extend('rawContext', { scope: 'file' }, ({ context }, { onCleanup }) => {
        const raw = rawClients(`127.0.0.1:${context.port}`);
        onCleanup(() => raw.close());
        return raw;
      })
      .extend('owner', { scope: 'file' }, ({ db }, { onCleanup }): pg.Pool => {
        // The superuser on the primary: what a test checks rows with, outside the services' roles.
        const pool = testPool(db.ownerUrl, 2);
        onCleanup(() => pool.end());
        return pool;
      })
      .extend('scalerPool', { scope: 'file' }, async ({ db }, { onCleanup }): Promise<Pool> => {
        // The Scaler's own role, for calling its query modules directly.
        const pool = await createPool({
          url: db.scalerUrl,
          max: options.scalerPoolMax ?? 4,
          applicationName: 'test',
        });
        onCleanup(() => pool.end());
        return pool;
      })
  );
}
