import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@autoserve/runtime';
import { type AllowLists, checkExecutableAllowedForRuntime } from './allow-list.js';
import { childStdio, leakingFds } from './inherited-fds.js';
import { isAlive, readProcStat, readRssBytes } from './proc-stat.js';
import { spawned } from './spawned.js';
import {
  generationOf,
  type InstanceSpec,
  type Runtime,
  RuntimeError,
  type RuntimeInstance,
  type Usage,
} from './types.js';

interface StateFile {
  pid: number;
  startTicks: number;
  name: string;
  appName: string;
  replicaIndex: number;
  /** Absent in state files written before generations were recorded. */
  generation?: string;
  port: number;
  startedAt: string;
  memoryLimitBytes: number;
  exitCode?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Instances as local child processes (machines without a Docker engine):
 * command[0] (an allowed absolute path) with the rest of the command and the
 * args, as an unprivileged user, with only the spec's env and PORT, each in its own process group and session so it outlives a
 * Scaler restart. A state file per instance in `dir` (pid + start time, the
 * process's identity) lets a restarted Scaler adopt them; output goes to a
 * log file next to it. CPU and memory come from /proc. Limits are not
 * enforced (that would need cgroups).
 */
export function createProcessRuntime(opts: {
  dir: string;
  /** Who children run as; must differ from the Scaler's user to keep its secrets. */
  user?: { uid: number; gid: number };
  /** When given, command[0] must be on its executables list (checked again here). */
  allow?: AllowLists;
}): Runtime {
  const ownUid = process.getuid?.() ?? -1;
  if (opts.user && ownUid !== 0 && opts.user.uid !== ownUid) {
    throw new ConfigError(
      'SCALER_PROCESS_USER',
      `children can only run as another user (${opts.user.uid}) when the Scaler runs as root; set SCALER_PROCESS_USER=${ownUid}:${process.getgid?.()} to run them as the Scaler's user (they can then read its environment)`,
    );
  }
  const children = new Map<number, ChildProcess>();
  const lastCpu = new Map<number, { cpu: number; at: number }>();
  const statePath = (name: string) => join(opts.dir, `${name}.json`);
  const logPath = (name: string) => join(opts.dir, `${name}.log`);
  const readState = async (name: string): Promise<StateFile | undefined> => {
    try {
      return JSON.parse(await readFile(statePath(name), 'utf8')) as StateFile;
    } catch {
      return undefined;
    }
  };
  const byId = async (id: string): Promise<StateFile | undefined> => {
    const pid = Number(id.replace(/^pid:/, ''));
    for (const s of await readAll()) if (s.pid === pid) return s;
    return undefined;
  };
  const readAll = async (): Promise<StateFile[]> => {
    let names: string[];
    try {
      names = await readdir(opts.dir);
    } catch {
      return [];
    }
    const out: StateFile[] = [];
    for (const f of names) {
      if (!f.endsWith('.json')) continue;
      const s = await readState(f.slice(0, -5));
      if (s) out.push(s);
    }
    return out;
  };
  return {
    kind: 'process',
    ping: async () => {
      await mkdir(opts.dir, { recursive: true });
    },
    async create(spec: InstanceSpec) {
      const [exe, ...rest] = spec.command;
      if (!exe) throw new RuntimeError('invalid_spec', 'process runtime: spec.command is required');
      if (opts.allow) checkExecutableAllowedForRuntime(opts.allow, exe);
      // 0700: state and logs of other apps are none of a child's business.
      await mkdir(opts.dir, { recursive: true, mode: 0o700 });
      const log = await open(logPath(spec.name), 'a', 0o600);
      const devNull = await open('/dev/null', 'r+');
      // A clean environment (the spec's and PORT, nothing of the Scaler's: no
      // PATH, no LD_PRELOAD, no credentials), no descriptor but its log (see
      // childStdio), another user, cwd /.
      const child = spawn(exe, [...rest, ...spec.args], {
        env: { ...spec.env, PORT: String(spec.port) },
        cwd: '/',
        ...(opts.user ? { uid: opts.user.uid, gid: opts.user.gid } : {}),
        detached: true,
        stdio: childStdio(log.fd, devNull.fd, await leakingFds()),
      });
      try {
        await spawned(child);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new RuntimeError('invalid_spec', `cannot start the command (${code})`, {
          cause: err,
          detail: (err as Error).message,
        });
      } finally {
        await log.close();
        await devNull.close();
      }
      const pid = child.pid!;
      child.unref();
      children.set(pid, child);
      const stat = await readProcStat(pid);
      const state: StateFile = {
        pid,
        startTicks: stat?.startTicks ?? 0,
        name: spec.name,
        appName: spec.appName,
        replicaIndex: spec.replicaIndex,
        generation: spec.generation,
        port: spec.port,
        startedAt: new Date().toISOString(),
        memoryLimitBytes: spec.memoryLimitBytes,
      };
      await writeFile(statePath(spec.name), JSON.stringify(state));
      child.once('exit', (code, signal) => {
        children.delete(pid);
        const exitCode = code ?? (signal ? 128 : 1);
        void writeFile(statePath(spec.name), JSON.stringify({ ...state, exitCode })).catch(
          () => {},
        );
      });
      return `pid:${pid}`;
    },
    async list() {
      const out: RuntimeInstance[] = [];
      for (const s of await readAll()) {
        const alive = await isAlive(s.pid, s.startTicks);
        out.push({
          id: `pid:${s.pid}`,
          name: s.name,
          appName: s.appName,
          replicaIndex: s.replicaIndex,
          generation: generationOf(s.generation),
          port: s.port,
          state: alive ? 'running' : 'exited',
          exitCode: alive ? undefined : (s.exitCode ?? -1),
          startedAt: new Date(s.startedAt),
        });
      }
      return out;
    },
    async stop(id, graceMs) {
      const s = await byId(id);
      if (!s || !(await isAlive(s.pid, s.startTicks))) return;
      const kill = (sig: NodeJS.Signals) => {
        try {
          process.kill(-s.pid, sig);
        } catch {
          try {
            process.kill(s.pid, sig);
          } catch {
            // gone
          }
        }
      };
      kill('SIGTERM');
      const until = Date.now() + graceMs;
      while (Date.now() < until && (await isAlive(s.pid, s.startTicks))) await sleep(50);
      if (await isAlive(s.pid, s.startTicks)) kill('SIGKILL');
    },
    async remove(id) {
      const s = await byId(id);
      if (!s) return;
      await this.stop(id, 0);
      lastCpu.delete(s.pid);
      await rm(statePath(s.name), { force: true });
      await rm(logPath(s.name), { force: true });
    },
    async stats(id): Promise<Usage | undefined> {
      const s = await byId(id);
      if (!s) return undefined;
      const stat = await readProcStat(s.pid);
      if (!stat || stat.startTicks !== s.startTicks) return undefined;
      const now = Date.now();
      const prev = lastCpu.get(s.pid);
      lastCpu.set(s.pid, { cpu: stat.cpuSeconds, at: now });
      const cpuPercent =
        prev && now > prev.at ? ((stat.cpuSeconds - prev.cpu) / ((now - prev.at) / 1000)) * 100 : 0;
      const memoryBytes = await readRssBytes(s.pid);
      const limit = s.memoryLimitBytes > 0 ? s.memoryLimitBytes : totalmem();
      return {
        cpuPercent: Math.max(0, cpuPercent),
        memoryBytes,
        memoryPercent: Math.min(100, (memoryBytes / limit) * 100),
      };
    },
    async logs(id, lines) {
      const s = await byId(id);
      if (!s) return '';
      try {
        const text = await readFile(logPath(s.name), 'utf8');
        return text
          .split('\n')
          .slice(-lines - 1)
          .join('\n');
      } catch {
        return '';
      }
    },
    close: async () => {},
  };
}
