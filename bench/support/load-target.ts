/**
 * Where a load run points: the compose stack (`--target compose`, endpoints
 * and tokens from the same env/.env the compose command uses), `npm start`'s
 * stack (`--target start`, from its state file), or explicit URLs
 * (`--context URL --scaler URL`, tokens in LOAD_CONTEXT_TOKEN /
 * LOAD_SCALER_TOKEN, superuser URL for the replica-lag sampler in
 * LOAD_PRIMARY_URL).
 */
import { existsSync, readFileSync } from 'node:fs';
import { composeEnv } from '../../scripts/lib/compose/secrets.js';
import { endpoints } from '../../scripts/lib/compose/stack.js';
import { REPO } from '../../scripts/lib/repo.js';

export interface LoadTarget {
  kind: 'compose' | 'start' | 'urls';
  context: { url: string; token: string };
  scaler: { url: string; token: string };
  /** Superuser URL of the primary (replica lag from pg_stat_replication); undefined = not sampled. */
  primaryUrl: string | undefined;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export function resolveTarget(args: string[], env: NodeJS.ProcessEnv): LoadTarget {
  const target = flag(args, '--target') ?? (flag(args, '--context') ? 'urls' : 'start');
  if (target === 'compose') {
    const e = composeEnv(env, `${REPO}/.env`);
    const ep = endpoints(e);
    if (!ep.contextToken || !ep.scalerToken)
      throw new Error('compose secrets not found (env or .env): see npm run compose -- env');
    return {
      kind: 'compose',
      context: { url: ep.context, token: ep.contextToken },
      scaler: { url: ep.scaler, token: ep.scalerToken },
      primaryUrl: `postgres://postgres:${e.POSTGRES_PASSWORD}@${ep.primary}/autoserve`,
    };
  }
  if (target === 'start') {
    const file = env.AUTOSERVE_STATE_FILE || `${REPO}/.data/start.json`;
    if (!existsSync(file)) throw new Error(`${file} not found: is npm start running?`);
    const s = JSON.parse(readFileSync(file, 'utf8')) as {
      token: string;
      context: { url: string };
      scaler: { url: string };
      primaryUrl?: string;
    };
    return {
      kind: 'start',
      context: { url: s.context.url, token: s.token },
      scaler: { url: s.scaler.url, token: s.token },
      primaryUrl: s.primaryUrl,
    };
  }
  const context = flag(args, '--context');
  const scaler = flag(args, '--scaler');
  if (!context || !scaler) throw new Error('--target compose|start, or --context URL --scaler URL');
  return {
    kind: 'urls',
    context: { url: context, token: env.LOAD_CONTEXT_TOKEN ?? '' },
    scaler: { url: scaler, token: env.LOAD_SCALER_TOKEN ?? '' },
    primaryUrl: env.LOAD_PRIMARY_URL,
  };
}
