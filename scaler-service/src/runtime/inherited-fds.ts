import { readdir, readFile } from 'node:fs/promises';

const O_CLOEXEC = 0o2000000;

/**
 * Descriptors above stdio that this process holds WITHOUT close-on-exec, so a
 * spawned child would inherit them. Node and libuv open everything with
 * O_CLOEXEC, but a descriptor the Scaler itself inherited (from a supervisor,
 * a shell, a job server) does not have it. Linux only: elsewhere none are known.
 */
export async function leakingFds(): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir('/proc/self/fdinfo');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (!(fd > 2)) continue;
    try {
      const flags = /^flags:\s*([0-7]+)$/m.exec(await readFile(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (flags && (Number.parseInt(flags[1]!, 8) & O_CLOEXEC) === 0) out.push(fd);
    } catch {
      // closed meanwhile (the readdir itself, for one)
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * A spawn stdio array: stdin ignored, stdout/stderr to `logFd`, and every
 * leaking descriptor replaced by `/dev/null` (`nullFd`) in the child, so the
 * child holds nothing of the Scaler's but its own log.
 */
export function childStdio(
  logFd: number,
  nullFd: number,
  leaking: readonly number[],
): ('ignore' | number)[] {
  const stdio: ('ignore' | number)[] = ['ignore', logFd, logFd];
  for (const fd of leaking) {
    while (stdio.length < fd) stdio.push('ignore');
    stdio[fd] = nullFd;
  }
  return stdio;
}
