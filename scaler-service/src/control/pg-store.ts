import { withTx } from '@autoserve/runtime';
import type pg from 'pg';
import { deleteNonActingDecisionsBefore } from '../queries/decisions.js';
import { lockLeaderTermIfCurrent } from '../queries/leader-term.js';
import { createDetailsMemo } from './details-memo.js';
import { createBaselineCache, evaluateApps } from './evaluate-apps.js';
import type { Leadership } from './leader.js';
import {
  bindQueries,
  CONTROL_READS,
  CONTROL_WRITES,
  type ControlStore,
  LeadershipLostError,
} from './store.js';

/**
 * The control store over Postgres: reads are the query modules bound to the
 * pool, writes run in one transaction per act whose first statement is the
 * fencing check (the leadership term, locked FOR SHARE) and whose statements
 * are bounded by `statementTimeoutMs`. Reads are bounded by the pool's own
 * statement_timeout (the control loop's pool sets it per connection).
 */
export function createPgControlStore(deps: {
  pool: pg.Pool;
  leadership: Pick<Leadership, 'term'>;
  statementTimeoutMs: number;
}): ControlStore {
  const { pool, leadership } = deps;
  const deadline = { timeoutMs: () => deps.statementTimeoutMs };
  const baselines = createBaselineCache();
  const details = createDetailsMemo();
  const fence = async (db: pg.ClientBase) => {
    const term = leadership.term();
    if (term === undefined) throw new LeadershipLostError();
    if (!(await lockLeaderTermIfCurrent(db, term))) {
      throw new LeadershipLostError(
        `leadership lost: term ${term} was taken over by another Scaler`,
      );
    }
  };
  return {
    ...bindQueries(CONTROL_READS, pool),
    act: (fn) =>
      withTx(pool, { deadline }, async (client) => {
        await fence(client);
        return fn(bindQueries(CONTROL_WRITES, client));
      }),
    evaluateApps: (apps, rowsByApp, now) =>
      evaluateApps(pool, apps, rowsByApp, now, baselines, { deadline, fence }, details),
    forget: (known) => {
      baselines.prune(known);
      details.prune(known);
    },
    pruneDecisions: (before) =>
      withTx(pool, { deadline }, async (client) => {
        await fence(client);
        return deleteNonActingDecisionsBefore(client, before);
      }),
  };
}
