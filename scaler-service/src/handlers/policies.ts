import type { scaler } from '@autoserve/proto';
import { failedPrecondition, withTx } from '@autoserve/runtime';
import { HEALTH_CHECK_DEFAULTS, POLICY_DEFAULTS } from '@autoserve/runtime/model';
import type { HandlerContext } from '@connectrpc/connect';
import { getAppOrThrow } from '../queries/apps.js';
import { insertEvent } from '../queries/events.js';
import { maybeGetHealthCheck, upsertHealthCheck } from '../queries/health-checks.js';
import { maybeGetPolicy, upsertPolicy } from '../queries/policies.js';
import { healthCheckToProto, normalizeHealthCheck } from '../validation/health-check.js';
import { validateAppName } from '../validation/names.js';
import { normalizePolicy, policyToProto } from '../validation/policy.js';
import type { WriteSideDeps } from './deps.js';
import { redactValues } from './redact.js';

/** Put/Get of an app's scaling policy and health check (whole replacement, defaults filled in). */
export function createPolicies({ db }: Pick<WriteSideDeps, 'db'>) {
  const lockLiveApp = async (tx: Parameters<typeof getAppOrThrow>[0], name: string) => {
    const app = await getAppOrThrow(tx, name, true);
    if (app.status === 'deleting') throw failedPrecondition(`app "${name}" is deleting`);
    return app;
  };
  return {
    async putScalingPolicy(req: scaler.PutScalingPolicyRequest, ctx: HandlerContext) {
      const name = validateAppName(req.appName, 'app_name');
      const policy = normalizePolicy(req.policy);
      return withTx(db, { deadline: ctx }, async (tx) => {
        await lockLiveApp(tx, name);
        const stored = await upsertPolicy(tx, name, policy);
        await insertEvent(tx, {
          type: 'config',
          appName: name,
          message: `app ${name} scaling policy replaced`,
          details: {
            field: 'scaling_policy',
            min_replicas: policy.min_replicas,
            max_replicas: policy.max_replicas,
          },
          source: 'api',
        });
        return { policy: policyToProto(stored) };
      });
    },

    async getScalingPolicy(req: scaler.GetScalingPolicyRequest, ctx: HandlerContext) {
      const name = validateAppName(req.appName, 'app_name');
      return withTx(db, { deadline: ctx, readOnly: true }, async (tx) => {
        await getAppOrThrow(tx, name);
        return {
          policy: policyToProto((await maybeGetPolicy(tx, name)) ?? POLICY_DEFAULTS),
        };
      });
    },

    async putHealthCheck(req: scaler.PutHealthCheckRequest, ctx: HandlerContext) {
      const name = validateAppName(req.appName, 'app_name');
      const hc = normalizeHealthCheck(req.healthCheck);
      return withTx(db, { deadline: ctx }, async (tx) => {
        await lockLiveApp(tx, name);
        const stored = await upsertHealthCheck(tx, name, hc);
        await insertEvent(tx, {
          type: 'config',
          appName: name,
          message: `app ${name} health check replaced`,
          details: {
            field: 'health_check',
            protocol: hc.protocol,
            path: hc.path,
            enabled: hc.enabled,
          },
          source: 'api',
        });
        return { healthCheck: healthCheckToProto(stored) };
      });
    },

    async getHealthCheck(req: scaler.GetHealthCheckRequest, ctx: HandlerContext) {
      const name = validateAppName(req.appName, 'app_name');
      return withTx(db, { deadline: ctx, readOnly: true }, async (tx) => {
        await getAppOrThrow(tx, name);
        const stored = await maybeGetHealthCheck(tx, name);
        const hc = healthCheckToProto(stored ?? HEALTH_CHECK_DEFAULTS);
        // Header values (tokens, basic auth) are for write-scope eyes only.
        return { healthCheck: { ...hc, headers: redactValues(ctx, hc.headers) } };
      });
    },
  };
}
