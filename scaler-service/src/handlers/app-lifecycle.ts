import { scaler } from '@autoserve/proto';
import { withTx } from '@autoserve/runtime';
import type { HandlerContext } from '@connectrpc/connect';
import { transitionApp } from '../queries/app-status.js';
import type { AppStatusName } from '../validation/lifecycle.js';
import { validateAppName, validateRequestId } from '../validation/names.js';
import type { WriteSideDeps } from './deps.js';
import { idempotent } from './idempotent.js';
import { appToProto } from './to-proto.js';

type Schemas = {
  method: 'DeleteApp' | 'StartApp' | 'StopApp';
  to: AppStatusName;
  input:
    | typeof scaler.DeleteAppRequestSchema
    | typeof scaler.StartAppRequestSchema
    | typeof scaler.StopAppRequestSchema;
  output:
    | typeof scaler.DeleteAppResponseSchema
    | typeof scaler.StartAppResponseSchema
    | typeof scaler.StopAppResponseSchema;
};

/**
 * DeleteApp, StartApp and StopApp: each moves the app along the lifecycle
 * (FailedPrecondition when illegal) and records a lifecycle event; the
 * control loop then does the work (creates or removes instances and, for
 * deleting, removes the app row). Without a running control loop an app stays
 * in starting / stopping / deleting.
 */
export function createAppLifecycle({ db }: Pick<WriteSideDeps, 'db'>) {
  const run = async (s: Schemas, req: { requestId: string; name: string }, ctx: HandlerContext) => {
    const requestId = validateRequestId(req.requestId);
    const name = validateAppName(req.name);
    const res = await withTx(db, { deadline: ctx }, (tx) =>
      idempotent(
        tx,
        { method: s.method, requestId, input: s.input, request: req as never, output: s.output },
        async () => {
          const app = await transitionApp(tx, name, s.to, { source: 'api' });
          return { app: appToProto(app) } as never;
        },
      ),
    );
    return { app: (res as { app?: scaler.App }).app };
  };
  return {
    deleteApp: (req: scaler.DeleteAppRequest, ctx: HandlerContext) =>
      run(
        {
          method: 'DeleteApp',
          to: 'deleting',
          input: scaler.DeleteAppRequestSchema,
          output: scaler.DeleteAppResponseSchema,
        },
        req,
        ctx,
      ),
    startApp: (req: scaler.StartAppRequest, ctx: HandlerContext) =>
      run(
        {
          method: 'StartApp',
          to: 'starting',
          input: scaler.StartAppRequestSchema,
          output: scaler.StartAppResponseSchema,
        },
        req,
        ctx,
      ),
    stopApp: (req: scaler.StopAppRequest, ctx: HandlerContext) =>
      run(
        {
          method: 'StopApp',
          to: 'stopping',
          input: scaler.StopAppRequestSchema,
          output: scaler.StopAppResponseSchema,
        },
        req,
        ctx,
      ),
  };
}
