import type { scaler } from '@autoserve/proto';
import { withTx } from '@autoserve/runtime';
import type { HandlerContext } from '@connectrpc/connect';
import { explainApp } from '../control/autoscaler.js';
import { decisionToProto } from '../control/decision-proto.js';
import { getAppOrThrow } from '../queries/apps.js';
import { validateAppName } from '../validation/names.js';
import type { WriteSideDeps } from './deps.js';

/**
 * ExplainScaling: the decision engine's evaluation of an app right now, with
 * the same inputs the control loop would use, without acting or recording.
 */
export function createExplainScaling({ db }: Pick<WriteSideDeps, 'db'>) {
  return {
    async explainScaling(req: scaler.ExplainScalingRequest, ctx: HandlerContext) {
      const name = validateAppName(req.appName, 'app_name');
      const decision = await withTx(db, { deadline: ctx, readOnly: true }, async (tx) =>
        explainApp(tx, await getAppOrThrow(tx, name), Date.now()),
      );
      return { decision: decisionToProto(decision, false) };
    },
  };
}
