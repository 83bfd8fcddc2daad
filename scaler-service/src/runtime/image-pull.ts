import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { dockerError } from './docker-errors.js';
import {
  type ImageRef,
  isImageId,
  isValidImageRef,
  parseImageRef,
  pinnedRef,
  repoDigestOf,
} from './image-ref.js';
import {
  classifyPullError,
  ImagePullError,
  type PullReason,
  pullFailureMessage,
} from './pull-errors.js';
import { followPull, type PullStreamResult } from './pull-stream.js';
import type { RegistryAuth } from './registry-auth.js';
import { type PullPolicy, type ResolvedImage, RuntimeError } from './types.js';

/** Refuses what the engine might parse differently (and so send credentials elsewhere). */
function checkReference(image: string): void {
  if (!isValidImageRef(image)) {
    throw new RuntimeError('invalid_spec', `image reference is not valid: ${image.slice(0, 255)}`);
  }
}

export interface ImagePullerDeps {
  docker: Docker;
  auth: RegistryAuth;
  /** A pull that has not finished by then is aborted (reason timeout). */
  timeoutMs: number;
  log?: Logger | undefined;
  /**
   * The operator's image allow-list (security issue): called with the image
   * as the user wrote it before anything is resolved or pulled; throwing
   * refuses it. Unset: every image is allowed.
   */
  allowImage?: ((image: string) => void | Promise<void>) | undefined;
  /** How often pull progress is logged (debug). */
  progressEveryMs?: number;
}

interface PullOutcome extends PullStreamResult {
  ms: number;
}

/**
 * Gets images onto the engine the way an orchestrator does: by policy,
 * through the engine's pull (dockerode, with progress), with the operator's
 * credentials for the registry host, under a timeout, and one pull per
 * reference at a time however many instances wait for it (single-flight).
 */
export function createImagePuller(deps: ImagePullerDeps) {
  const { docker } = deps;
  const inflight = new Map<string, Promise<PullOutcome>>();
  const progressEveryMs = deps.progressEveryMs ?? 2000;

  async function inspect(ref: string) {
    try {
      return await docker.getImage(ref).inspect();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw dockerError(err, 'image inspect');
    }
  }

  async function pullNow(image: string, ref: ImageRef, wasPresent: boolean): Promise<PullOutcome> {
    const started = Date.now();
    const fail = (reason: PullReason, detail: string, cause?: unknown) =>
      new ImagePullError(reason, image, pullFailureMessage(image, reason, detail, wasPresent), {
        cause,
      });
    let cred: Awaited<ReturnType<RegistryAuth['forHost']>>;
    try {
      cred = await deps.auth.forHost(ref.registry);
    } catch (err) {
      throw fail('unauthorized', `registry credentials unusable: ${(err as Error).message}`, err);
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), deps.timeoutMs);
    const opts = {
      fromImage: ref.repository,
      tag: ref.digest ?? ref.tag ?? 'latest',
      abortSignal: abort.signal,
    };
    deps.log?.info({ image, registry: ref.registry, auth: cred?.kind ?? 'none' }, 'pulling image');
    try {
      const stream = (await (cred
        ? docker.createImage(cred.authconfig(), opts)
        : docker.createImage(opts))) as unknown as Readable;
      const outcome = await followPull(
        stream,
        abort.signal,
        (p) => deps.log?.debug({ image, ...p }, 'image pull progress'),
        progressEveryMs,
      );
      const ms = Date.now() - started;
      deps.log?.info({ image, digest: outcome.digest, ms, bytes: outcome.bytes }, 'image pulled');
      return { ...outcome, ms };
    } catch (err) {
      if (err instanceof ImagePullError) throw err;
      if (abort.signal.aborted) {
        throw fail('timeout', `no complete pull within ${deps.timeoutMs} ms`, err);
      }
      const e = err as {
        statusCode?: number;
        json?: { message?: string };
        message?: string;
        code?: string;
      };
      if (e.code && /ECONNREFUSED|ENOENT|EPIPE|ECONNRESET/.test(e.code))
        throw dockerError(err, 'pull');
      const detail = e.json?.message ?? e.message ?? String(err);
      throw fail(classifyPullError(detail, e.statusCode), detail, err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One pull per reference at a time: later callers share the running one. */
  function pull(image: string, wasPresent: boolean): Promise<PullOutcome> {
    const running = inflight.get(image);
    if (running) return running;
    const p = (async () => {
      checkReference(image);
      await deps.allowImage?.(image);
      return pullNow(image, parseImageRef(image), wasPresent);
    })().finally(() => inflight.delete(image));
    inflight.set(image, p);
    return p;
  }

  return {
    /**
     * A tag -> what a generation's instances start from. IfNotPresent uses
     * the engine's copy when it has one (no registry contact), Always asks
     * the registry (pull), Never never pulls. The digest is the registry's
     * manifest digest, or the image id for an image that never came from a
     * registry.
     */
    async resolve(image: string, policy: PullPolicy): Promise<ResolvedImage> {
      const started = Date.now();
      checkReference(image);
      await deps.allowImage?.(image);
      const ref = parseImageRef(image);
      if (ref.digest || isImageId(image)) {
        // Already pinned by the user: only make sure it is here.
        const digest = ref.digest ?? image;
        const pulled = await this.ensure(image, policy);
        return { ref: image, digest, pulled, ms: Date.now() - started };
      }
      const local = policy === 'Always' ? undefined : await inspect(image);
      if (!local && policy === 'Never') {
        throw new ImagePullError(
          'not-present',
          image,
          `image not found on the engine and the pull policy is Never (not-present): ${image}`,
        );
      }
      let pulledDigest: string | undefined;
      if (!local) pulledDigest = (await pull(image, policy === 'Always')).digest;
      const info = local ?? (await inspect(image));
      if (!info) throw dockerError(new Error(`image ${image} vanished after its pull`), 'pull');
      const digest = pulledDigest ?? repoDigestOf(info.RepoDigests ?? [], ref.repository);
      if (digest) {
        return {
          ref: pinnedRef(ref.repository, digest),
          digest,
          pulled: !local,
          ms: Date.now() - started,
        };
      }
      // Built or imported on this engine: its id is the only exact name it has.
      return { ref: info.Id, digest: info.Id, pulled: !local, ms: Date.now() - started };
    },

    /**
     * Makes sure a pinned reference is on the engine before a container is
     * made from it: a digest never changes, so one present is never pulled
     * again; one missing is pulled unless the policy is Never. Returns
     * whether it pulled.
     */
    async ensure(pinned: string, policy: PullPolicy): Promise<boolean> {
      if (await inspect(pinned)) return false;
      if (policy === 'Never') {
        throw new ImagePullError(
          'not-present',
          pinned,
          `image not found on the engine and the pull policy is Never (not-present): ${pinned}`,
        );
      }
      if (isImageId(pinned)) {
        throw new ImagePullError(
          'not-found',
          pinned,
          `image not found: local image ${pinned} is gone, and an image id cannot be pulled (not-found)`,
        );
      }
      await pull(pinned, false);
      return true;
    },
  };
}

export type ImagePuller = ReturnType<typeof createImagePuller>;
