import { scaler } from '@autoserve/proto';
import { failedPrecondition, withTx } from '@autoserve/runtime';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { getAppOrThrow, updateApp } from '../queries/apps.js';
import { insertEvent } from '../queries/events.js';
import { checkSpecAllowed } from '../runtime/allow-list.js';
import type { AppStatusName } from '../validation/lifecycle.js';
import { validateAppName, validateRequestId } from '../validation/names.js';
import { validateSpec } from '../validation/spec.js';
import type { WriteSideDeps } from './deps.js';
import { idempotent } from './idempotent.js';
import { appToProto } from './to-proto.js';

/**
 * What a spec change does to the status: a running (or failed) app rolls to
 * the new spec (updating); an app with nothing running just keeps the new
 * spec for its next start; an app already updating rolls again to the newest
 * generation. Starting, stopping and deleting apps refuse (FailedPrecondition).
 */
const STATUS_AFTER_UPDATE: Partial<Record<AppStatusName, AppStatusName>> = {
  running: 'updating',
  error: 'updating',
  updating: 'updating',
  registered: 'registered',
  stopped: 'stopped',
};

/** UpdateApp: replaces the spec (generation + 1) and records a config event. */
export function createUpdateApp({ db, config }: Pick<WriteSideDeps, 'db' | 'config'>) {
  const runtime = config.control.runtime;
  return {
    async updateApp(req: scaler.UpdateAppRequest, ctx: HandlerContext) {
      const requestId = validateRequestId(req.requestId);
      const name = validateAppName(req.name);
      const spec = validateSpec(req.spec);
      // What may run is the operator's call (PermissionDenied naming the list), checked before anything is stored.
      checkSpecAllowed(runtime.allow, runtime.processEnabled, spec);
      if (req.expectedGeneration < 0n) {
        throw new ConnectError('expected_generation: must be >= 0', Code.InvalidArgument);
      }
      return withTx(db, { deadline: ctx }, (tx) =>
        idempotent(
          tx,
          {
            method: 'UpdateApp',
            requestId,
            input: scaler.UpdateAppRequestSchema,
            request: req,
            output: scaler.UpdateAppResponseSchema,
          },
          async () => {
            const app = await getAppOrThrow(tx, name, true);
            if (req.expectedGeneration > 0n && BigInt(app.generation) !== req.expectedGeneration) {
              throw new ConnectError(
                `expected_generation: app "${name}" is at generation ${app.generation}, not ${req.expectedGeneration}`,
                Code.Aborted,
              );
            }
            const next = STATUS_AFTER_UPDATE[app.status];
            if (!next) {
              throw failedPrecondition(`app "${name}" is ${app.status}; it cannot be updated now`);
            }
            // Keys of both sides: a removed metrics_source is a change too.
            const changed = [...new Set([...Object.keys(spec), ...Object.keys(app.spec)])].filter(
              (k) =>
                JSON.stringify(spec[k as keyof typeof spec]) !==
                JSON.stringify(app.spec[k as keyof typeof spec]),
            );
            // The same spec again changes nothing: no new generation, no rollout.
            if (changed.length === 0) return { app: appToProto(app) };
            // Only the metrics source: the scraper picks it up; no generation, no rollout
            // (migration 080's trigger leaves the generation alone).
            const status = changed.every((k) => k === 'metrics_source') ? app.status : next;
            const updated = await updateApp(tx, name, { spec, status });
            await insertEvent(tx, {
              type: 'config',
              appName: name,
              message: `app ${name} spec updated to generation ${updated.generation}`,
              details: {
                changed,
                from_generation: Number(app.generation),
                generation: Number(updated.generation),
                status: { from: app.status, to: status },
              },
              source: 'api',
            });
            return { app: appToProto(updated) };
          },
        ),
      );
    },
  };
}
