/**
 * Stops the app instances a stack's Scaler started, after the Scaler itself
 * stopped. The Scaler leaves instances running on purpose (a restarted
 * Scaler adopts them), but `npm start` and the demo promise that Ctrl-C
 * leaves nothing behind: process-runtime children are found through their
 * state files, containers through the owner label.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';

interface StateFile {
  pid: number;
  startTicks: number;
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces). */
async function procStat(pid: number): Promise<{ state: string; startTicks: number } | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, startTicks: Number(rest[19]) };
  } catch {
    return undefined;
  }
}

/** Same process as recorded (a recycled pid has another start time) and not a zombie. */
async function alive(s: StateFile): Promise<boolean> {
  const stat = await procStat(s.pid);
  return stat !== undefined && stat.state !== 'Z' && stat.startTicks === s.startTicks;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig); // the runtime starts each instance in its own process group
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM every live instance recorded in `dir`, SIGKILL after `graceMs`; returns how many. */
export async function stopProcessInstances(dir: string, graceMs = 5000): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  const live: StateFile[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    try {
      const s = JSON.parse(await readFile(`${dir}/${name}`, 'utf8')) as StateFile;
      if (s.pid > 0 && (await alive(s))) live.push(s);
    } catch {
      // half-written or foreign file
    }
  }
  for (const s of live) signal(s.pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  for (const s of live) {
    while ((await alive(s)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    if (await alive(s)) signal(s.pid, 'SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
  return live.length;
}

function dockerApi(dockerHost: string, method: string, path: string): Promise<string> {
  const target = dockerHost.startsWith('unix://')
    ? { socketPath: dockerHost.slice('unix://'.length) }
    : (() => {
        const u = new URL(dockerHost.replace(/^tcp:/, 'http:'));
        return { host: u.hostname, port: Number(u.port || 2375) };
      })();
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method, path, timeout: 30_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () =>
        (res.statusCode ?? 500) < 300 || res.statusCode === 404
          ? resolve(body)
          : reject(new Error(`docker ${method} ${path}: ${res.statusCode} ${body}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error('docker API timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Removes (force) every container labelled autoserve.owner=<owner>; returns how many. */
export async function removeContainers(dockerHost: string, owner: string): Promise<number> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`autoserve.owner=${owner}`] }));
  const list = JSON.parse(
    await dockerApi(dockerHost, 'GET', `/containers/json?all=1&filters=${filters}`),
  ) as { Id: string }[];
  for (const c of list) await dockerApi(dockerHost, 'DELETE', `/containers/${c.Id}?force=1`);
  return list.length;
}
