import type { DetailsMemo, WrittenDetails } from '../queries/decisions.js';

/**
 * The decision details this process last merged into each app's newest
 * scaling_decisions row (see DetailsMemo): a quiet app's evaluation usually
 * repeats its reasons and proposals, and a merge that knows the row still
 * holds them (same id and version) does not send them again. Kept as long
 * as the process, so deleted apps are pruned.
 */
export function createDetailsMemo(): DetailsMemo & { prune(known: ReadonlySet<string>): void } {
  const written = new Map<string, WrittenDetails>();
  return {
    get: (app) => written.get(app),
    set: (app, w) => {
      written.set(app, w);
    },
    prune(known) {
      for (const app of written.keys()) if (!known.has(app)) written.delete(app);
    },
  };
}
