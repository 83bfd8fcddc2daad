import type { Logger } from 'pino';
import type { ControlStore } from '../control/store.js';
import type { AppRow } from '../queries/apps.js';
import type { PullPolicy, Runtime } from '../runtime/types.js';
import { pullPolicyOf } from '../validation/spec.js';

/** What every instance of one spec generation starts from. */
export interface ImagePin {
  /** "repo@sha256:..." or a local image id. */
  ref: string;
  digest: string;
  policy: PullPolicy;
}

/**
 * Digest pinning: the first instance a spec generation needs resolves the
 * image's tag (per the app's pull policy) and records the result on the app;
 * every later instance of that generation, replacements and scale-outs
 * included, starts from the recorded digest. A tag pushed mid-rollout thus
 * cannot give two replicas different code; the next generation (UpdateApp)
 * resolves again, which is when Always picks up a new digest. Concurrent
 * creations of one generation share one resolution (and so one pull).
 */
export function createImagePinner(deps: { store: ControlStore; runtime: Runtime; log: Logger }) {
  const inflight = new Map<string, Promise<ImagePin>>();

  async function resolveAndRecord(app: AppRow, policy: PullPolicy): Promise<ImagePin> {
    const resolved = await deps.runtime.resolveImage!(app.spec.image, policy);
    return deps.store.act(async (tx) => {
      const stored = await tx.pinAppImageOnce(app.name, app.generation, resolved);
      // Moved on to a newer generation meanwhile: this creation still runs what it resolved.
      const pin = stored?.pin ?? { image_ref: resolved.ref, image_digest: resolved.digest };
      if (stored?.won) {
        const how = resolved.pulled
          ? `pulled in ${(resolved.ms / 1000).toFixed(1)} s`
          : 'already on the engine';
        await tx.insertEvent({
          type: 'deployment',
          appName: app.name,
          message: `generation ${app.generation} of app ${app.name} runs ${app.spec.image} as ${resolved.digest} (${how})`,
          details: {
            image: app.spec.image,
            digest: resolved.digest,
            ref: resolved.ref,
            generation: Number(app.generation),
            pull_policy: policy,
            pulled: resolved.pulled,
            ms: resolved.ms,
          },
          source: 'reconciler',
        });
      }
      return { ref: pin.image_ref, digest: pin.image_digest, policy };
    });
  }

  /** The pin of the app's current generation; undefined where the runtime runs no images. */
  return async function pinFor(app: AppRow): Promise<ImagePin | undefined> {
    if (!deps.runtime.resolveImage || !app.spec.image) return undefined;
    const policy = pullPolicyOf(app.spec);
    if (app.image_generation === app.generation && app.image_ref && app.image_digest) {
      return { ref: app.image_ref, digest: app.image_digest, policy };
    }
    const key = `${app.name}\u0000${app.generation}`;
    let p = inflight.get(key);
    if (!p) {
      p = resolveAndRecord(app, policy).finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  };
}

export type ImagePinner = ReturnType<typeof createImagePinner>;
