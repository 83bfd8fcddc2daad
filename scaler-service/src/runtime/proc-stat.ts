import { readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc times (USER_HZ is 100 on Linux). */
const HZ = 100;

export interface ProcSample {
  /** utime + stime, seconds. */
  cpuSeconds: number;
  /** Start time since boot, ticks: with the pid, identifies one process (pids are reused). */
  startTicks: number;
  state: string;
}

/** Reads /proc/<pid>/stat; undefined when the process is gone. */
export async function readProcStat(pid: number): Promise<ProcSample | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and parentheses: fields start after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0] ?? '?';
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const startTicks = Number(rest[19]);
  return { cpuSeconds: (utime + stime) / HZ, startTicks, state };
}

/** Resident memory from /proc/<pid>/status, bytes (0 when gone). */
export async function readRssBytes(pid: number): Promise<number> {
  try {
    const text = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** True when the pid runs (not a zombie) and is the same process that was started. */
export async function isAlive(pid: number, startTicks: number): Promise<boolean> {
  const s = await readProcStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X' && s.startTicks === startTicks;
}
