import { ConfigError, type Env, readOptional } from '@autoserve/runtime';
import { Code, ConnectError } from '@connectrpc/connect';
import { RuntimeError } from './types.js';

/**
 * What the operator lets apps run. A write token can register any spec, so the
 * spec alone must never decide what runs on the host: images and (for the
 * process runtime) executables come from these lists, set in config.
 */
export interface AllowLists {
  /** Exact image references, or prefixes (entries that ended in `*`). */
  images: { exact: ReadonlySet<string>; prefixes: readonly string[] };
  /** Absolute executable paths, exact. */
  executables: ReadonlySet<string>;
}

/** SCALER_ALLOWED_IMAGES / SCALER_ALLOWED_EXECUTABLES (comma-separated; unset: nothing). */
export function loadAllowLists(env: Env): AllowLists {
  const list = (name: string) =>
    (readOptional(env, name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const images = list('SCALER_ALLOWED_IMAGES');
  for (const img of images) {
    if (/\s/.test(img) || img.slice(0, -1).includes('*')) {
      throw new ConfigError('SCALER_ALLOWED_IMAGES', `"${img}": a * may only end a prefix entry`);
    }
  }
  const executables = list('SCALER_ALLOWED_EXECUTABLES');
  for (const exe of executables) {
    if (!exe.startsWith('/') || exe.includes('*')) {
      throw new ConfigError('SCALER_ALLOWED_EXECUTABLES', `"${exe}" must be an absolute path`);
    }
  }
  return {
    images: {
      exact: new Set(images.filter((i) => !i.endsWith('*'))),
      prefixes: images.filter((i) => i.endsWith('*')).map((i) => i.slice(0, -1)),
    },
    executables: new Set(executables),
  };
}

const denied = (message: string) => new ConnectError(message, Code.PermissionDenied);

/**
 * Throws PermissionDenied unless `image` is on SCALER_ALLOWED_IMAGES. The one
 * check every path that would run or pull an image goes through (RegisterApp,
 * UpdateApp, the Docker runtime before create, image pulls).
 */
export function checkImageAllowed(lists: AllowLists, image: string, field = 'spec.image'): void {
  if (lists.images.exact.has(image)) return;
  if (lists.images.prefixes.some((p) => image.startsWith(p))) return;
  throw denied(`${field}: image "${image}" is not allowed by the operator (SCALER_ALLOWED_IMAGES)`);
}

/** Throws PermissionDenied unless `exe` is on SCALER_ALLOWED_EXECUTABLES (exact absolute path). */
export function checkExecutableAllowed(
  lists: AllowLists,
  exe: string | undefined,
  field = 'spec.command[0]',
): void {
  if (exe !== undefined && lists.executables.has(exe)) return;
  throw denied(
    `${field}: executable "${exe ?? ''}" is not allowed by the operator (SCALER_ALLOWED_EXECUTABLES, absolute paths)`,
  );
}

/**
 * The request-time check of a spec: the image when one is given; the command's
 * executable when the process runtime may run it (it runs on the host then).
 */
export function checkSpecAllowed(
  lists: AllowLists,
  processEnabled: boolean,
  spec: { image: string; command: readonly string[] },
  field = 'spec',
): void {
  if (spec.image !== '') checkImageAllowed(lists, spec.image, `${field}.image`);
  if (processEnabled && spec.command.length > 0) {
    checkExecutableAllowed(lists, spec.command[0], `${field}.command[0]`);
  }
  if (!processEnabled && spec.image === '') {
    throw new ConnectError(
      `${field}.image: is required; the process runtime (which runs a bare command) is not enabled (SCALER_PROCESS_RUNTIME)`,
      Code.InvalidArgument,
    );
  }
}

/** The runtime's own check before create: a RuntimeError, so the app goes to error with a reason. */
export function checkImageAllowedForRuntime(lists: AllowLists, image: string): void {
  try {
    checkImageAllowed(lists, image);
  } catch {
    throw new RuntimeError('invalid_spec', 'image not allowed (SCALER_ALLOWED_IMAGES)');
  }
}

/** The process runtime's own check before spawn. */
export function checkExecutableAllowedForRuntime(lists: AllowLists, exe: string): void {
  if (!lists.executables.has(exe)) {
    throw new RuntimeError('invalid_spec', 'executable not allowed (SCALER_ALLOWED_EXECUTABLES)');
  }
}
