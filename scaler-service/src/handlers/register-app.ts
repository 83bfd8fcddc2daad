import { scaler } from '@autoserve/proto';
import { checkInt, invalidArgument, withTx } from '@autoserve/runtime';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { insertApp, maybeGetApp } from '../queries/apps.js';
import { insertEvent } from '../queries/events.js';
import { upsertHealthCheck } from '../queries/health-checks.js';
import { upsertPolicy } from '../queries/policies.js';
import { checkSpecAllowed } from '../runtime/allow-list.js';
import { appModeCodec } from '../validation/enums.js';
import { normalizeHealthCheck } from '../validation/health-check.js';
import { validateAppName, validateRequestId } from '../validation/names.js';
import { normalizePolicy } from '../validation/policy.js';
import { validateSpec } from '../validation/spec.js';
import type { WriteSideDeps } from './deps.js';
import { idempotent } from './idempotent.js';
import { appToProto } from './to-proto.js';

/** Validates a mode enum; unspecified takes `fallback`. */
export function modeOf(field: string, mode: number, fallback?: 'auto' | 'manual') {
  const text = appModeCodec.toDb(mode) as 'auto' | 'manual' | undefined;
  if (text) return text;
  if (mode === 0 && fallback) return fallback;
  throw invalidArgument(field, 'must be APP_MODE_AUTO or APP_MODE_MANUAL');
}

/** RegisterApp: the app, its policy and health check, and a registration event, in one transaction. */
export function createRegisterApp({ db, config }: Pick<WriteSideDeps, 'db' | 'config'>) {
  const runtime = config.control.runtime;
  return {
    async registerApp(req: scaler.RegisterAppRequest, ctx: HandlerContext) {
      const requestId = validateRequestId(req.requestId);
      const name = validateAppName(req.name);
      const spec = validateSpec(req.spec);
      // What may run is the operator's call (PermissionDenied naming the list), checked before anything is stored.
      checkSpecAllowed(runtime.allow, runtime.processEnabled, spec);
      const mode = modeOf('mode', req.mode, 'auto');
      const policy = normalizePolicy(req.scalingPolicy, 'scaling_policy');
      const healthCheck = normalizeHealthCheck(req.healthCheck, 'health_check');
      const desired =
        req.initialReplicas === undefined
          ? policy.min_replicas
          : checkInt('initial_replicas', req.initialReplicas, 0, 1000);
      if (desired < policy.min_replicas || desired > policy.max_replicas) {
        throw invalidArgument(
          'initial_replicas',
          `must be within the policy bounds ${policy.min_replicas}..${policy.max_replicas}`,
        );
      }
      return withTx(db, { deadline: ctx }, (tx) =>
        idempotent(
          tx,
          {
            method: 'RegisterApp',
            requestId,
            input: scaler.RegisterAppRequestSchema,
            request: req,
            output: scaler.RegisterAppResponseSchema,
          },
          async () => {
            if (await maybeGetApp(tx, name)) {
              throw new ConnectError(`name: app "${name}" already exists`, Code.AlreadyExists);
            }
            const status = req.start ? 'starting' : 'registered';
            const app = await insertApp(tx, { name, spec, status, mode, desiredReplicas: desired });
            await upsertPolicy(tx, name, policy);
            await upsertHealthCheck(tx, name, healthCheck);
            await insertEvent(tx, {
              type: 'registration',
              appName: name,
              message: `app ${name} registered${req.start ? ' and starting' : ''}`,
              details: { image: spec.image, replicas: desired, mode, status },
              source: 'api',
            });
            return { app: appToProto(app) };
          },
        ),
      );
    },
  };
}
