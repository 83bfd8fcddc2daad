import { scaler } from '@autoserve/proto';
import { checkInt, failedPrecondition, invalidArgument, withTx } from '@autoserve/runtime';
import { POLICY_DEFAULTS } from '@autoserve/runtime/model';
import type { HandlerContext } from '@connectrpc/connect';
import { getAppOrThrow, updateApp } from '../queries/apps.js';
import { insertEvent } from '../queries/events.js';
import { maybeGetPolicy } from '../queries/policies.js';
import { validateAppName, validateRequestId } from '../validation/names.js';
import type { WriteSideDeps } from './deps.js';
import { idempotent } from './idempotent.js';
import { modeOf } from './register-app.js';
import { appToProto } from './to-proto.js';

/** SetAppMode and ScaleApp. */
export function createAppScaling({ db }: Pick<WriteSideDeps, 'db'>) {
  return {
    async setAppMode(req: scaler.SetAppModeRequest, ctx: HandlerContext) {
      const name = validateAppName(req.name);
      const mode = modeOf('mode', req.mode);
      return withTx(db, { deadline: ctx }, async (tx) => {
        const app = await getAppOrThrow(tx, name, true);
        if (app.status === 'deleting') throw failedPrecondition(`app "${name}" is deleting`);
        if (app.mode === mode) return { app: appToProto(app) };
        const updated = await updateApp(tx, name, { mode });
        await insertEvent(tx, {
          type: 'config',
          appName: name,
          message: `app ${name} scaling mode ${app.mode} -> ${mode}`,
          details: { field: 'mode', old: app.mode, new: mode },
          source: 'api',
        });
        return { app: appToProto(updated) };
      });
    },

    async scaleApp(req: scaler.ScaleAppRequest, ctx: HandlerContext) {
      const requestId = validateRequestId(req.requestId);
      const name = validateAppName(req.name);
      const replicas = checkInt('replicas', req.replicas, 0, 1000);
      return withTx(db, { deadline: ctx }, (tx) =>
        idempotent(
          tx,
          {
            method: 'ScaleApp',
            requestId,
            input: scaler.ScaleAppRequestSchema,
            request: req,
            output: scaler.ScaleAppResponseSchema,
          },
          async () => {
            const app = await getAppOrThrow(tx, name, true);
            if (app.mode !== 'manual') {
              throw failedPrecondition(
                `app "${name}" is in auto mode; switch it to manual (SetAppMode) to scale it by hand`,
              );
            }
            if (app.status === 'deleting') throw failedPrecondition(`app "${name}" is deleting`);
            const policy = (await maybeGetPolicy(tx, name)) ?? POLICY_DEFAULTS;
            if (replicas < policy.min_replicas || replicas > policy.max_replicas) {
              throw invalidArgument(
                'replicas',
                `must be within the policy bounds ${policy.min_replicas}..${policy.max_replicas}`,
              );
            }
            const updated = await updateApp(tx, name, { desiredReplicas: replicas });
            await insertEvent(tx, {
              type: 'scaling',
              appName: name,
              message: `app ${name} scaled by hand: ${app.desired_replicas} -> ${replicas}`,
              details: { from: app.desired_replicas, to: replicas, reason: 'manual' },
              source: 'api',
            });
            return { app: appToProto(updated) };
          },
        ),
      );
    },
  };
}
