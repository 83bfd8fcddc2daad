import type { scaler } from '@autoserve/proto';
import { decodePageToken, invalidArgument, pageOf, pageSize, withTx } from '@autoserve/runtime';
import { HEALTH_CHECK_DEFAULTS, POLICY_DEFAULTS } from '@autoserve/runtime/model';
import type { HandlerContext } from '@connectrpc/connect';
import { getAppOrThrow, listAppSummaries } from '../queries/apps.js';
import { maybeGetHealthCheck } from '../queries/health-checks.js';
import { listAppInstances } from '../queries/instances.js';
import { maybeGetPolicy } from '../queries/policies.js';
import { appStatusCodec } from '../validation/enums.js';
import { healthCheckToProto } from '../validation/health-check.js';
import { validateAppName } from '../validation/names.js';
import { policyToProto } from '../validation/policy.js';
import type { WriteSideDeps } from './deps.js';
import { redactValues } from './redact.js';
import { appSummaryToProto, appToProto, instanceToProto } from './to-proto.js';

/**
 * GetApp and ListApps (read from the primary: the writer's own view, no replica lag). Env
 * values and health-check header values are secrets: read-scope callers get the keys only.
 */
export function createGetApps({ db }: Pick<WriteSideDeps, 'db'>) {
  return {
    async getApp(req: scaler.GetAppRequest, ctx: HandlerContext) {
      const name = validateAppName(req.name);
      return withTx(db, { deadline: ctx, readOnly: true }, async (tx) => {
        const app = await getAppOrThrow(tx, name);
        const [instances, policy, healthCheck] = [
          await listAppInstances(tx, name),
          await maybeGetPolicy(tx, name),
          await maybeGetHealthCheck(tx, name),
        ];
        const appProto = appToProto(app);
        const hc = healthCheckToProto(healthCheck ?? HEALTH_CHECK_DEFAULTS);
        return {
          app: {
            ...appProto,
            spec: { ...appProto.spec, env: redactValues(ctx, appProto.spec.env) },
          },
          instances: instances.filter((i) => i.status !== 'stopped').map(instanceToProto),
          scalingPolicy: policyToProto(policy ?? POLICY_DEFAULTS),
          healthCheck: { ...hc, headers: redactValues(ctx, hc.headers) },
        };
      });
    },

    async listApps(req: scaler.ListAppsRequest, ctx: HandlerContext) {
      const statuses = req.statuses.map((s, i) => {
        const text = appStatusCodec.toDb(s);
        if (!text) throw invalidArgument(`statuses[${i}]`, 'must be a known status');
        return text;
      });
      const limit = pageSize('page_size', req.pageSize, 50, 500);
      const filters = { statuses: [...new Set(statuses)].sort() };
      const after = decodePageToken(req.pageToken, 'apps', filters, ['string']);
      const rows = await withTx(db, { deadline: ctx, readOnly: true }, (tx) =>
        listAppSummaries(tx, {
          statuses: filters.statuses,
          afterName: after?.[0] as string | undefined,
          limit: limit + 1,
        }),
      );
      const { page, nextPageToken } = pageOf(rows, limit, {
        kind: 'apps',
        filters,
        positionOf: (last) => [last.name],
      });
      return { apps: page.map(appSummaryToProto), nextPageToken };
    },
  };
}
