/**
 * A bounded HTTP load on the app's instances (loopback only). It only sends
 * requests and prints what it saw: the Scaler learns the load from the app's
 * own /metrics (the app's metrics source), not from this driver.
 */
import { type ServiceClient, scaler } from '@autoserve/proto';

type Scaler = ServiceClient<typeof scaler.ScalerService>;

export interface LoadOptions {
  app: string;
  /** Total requests per second to offer across the instances. */
  rps: number;
  seconds: number;
  /** Called once a second with what was measured. */
  onSecond?: (s: { second: number; instances: number; rps: number; p95Ms: number }) => void;
  signal?: AbortSignal;
}

interface Target {
  id: bigint;
  port: number;
}

async function targets(client: Scaler, app: string): Promise<Target[]> {
  const { instances } = await client.listInstances({ appName: app });
  return instances
    .filter((i) => i.status === scaler.InstanceStatus.RUNNING && i.port > 0)
    .map((i) => ({ id: i.id, port: i.port }));
}

function p95(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!;
}

/** Runs the load; resolves with the number of requests answered. */
export async function driveLoad(client: Scaler, options: LoadOptions): Promise<number> {
  let answered = 0;
  let next = 0;
  for (let second = 1; second <= options.seconds && !options.signal?.aborted; second++) {
    const started = Date.now();
    const live = await targets(client, options.app);
    const perInstance = new Map<bigint, number[]>();
    if (live.length > 0) {
      const calls: Promise<void>[] = [];
      for (let i = 0; i < options.rps; i++) {
        const target = live[next++ % live.length]!;
        const t0 = performance.now();
        calls.push(
          fetch(`http://127.0.0.1:${target.port}/work?ms=1`, {
            signal: AbortSignal.timeout(2000),
          }).then(
            async (res) => {
              await res.arrayBuffer();
              if (res.ok) {
                answered++;
                const list = perInstance.get(target.id) ?? [];
                list.push(performance.now() - t0);
                perInstance.set(target.id, list);
              }
            },
            () => {},
          ),
        );
        // Spread the second's requests evenly instead of one burst.
        if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1000 / (options.rps / 10)));
      }
      await Promise.all(calls);
      const all = [...perInstance.values()].flat();
      options.onSecond?.({ second, instances: live.length, rps: all.length, p95Ms: p95(all) });
    }
    const rest = 1000 - (Date.now() - started);
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  }
  return answered;
}
