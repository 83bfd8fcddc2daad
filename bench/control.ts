/**
 * `npm run bench -- control`: control quality of the decision engine. Replays
 * load traces (spike, ramp, oscillation, diurnal) through a service model
 * (latency rises as load per replica nears capacity; new replicas need a
 * start-up delay) with a fake clock, for our engine, the HPA algorithm with
 * its default behaviour and the seed's threshold algorithm, all with the same
 * policy targets. Reports SLO-violation seconds, replica-seconds and flaps
 * (direction reversals within the 300 s down stabilization window).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENGINE_OPTIONS } from '../scaler-service/src/decision/defaults.js';
import {
  compareControllers,
  ENGINE_INTERVAL_SECONDS,
  HPA_SYNC_SECONDS,
  SIM_OPTIONS,
  simPolicy,
} from '../scaler-service/src/decision/sim/compare.js';
import { DEFAULT_SERVICE } from '../scaler-service/src/decision/sim/service.js';

function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

export async function main(_args: string[]): Promise<void> {
  const started = Date.now();
  const results = compareControllers(DEFAULT_SERVICE);
  const lines = [
    `${'trace'.padEnd(12)} ${'controller'.padEnd(17)} ${pad('SLO-viol s', 10)} ${pad('replica-s', 10)} ${pad('flaps', 5)} ${pad('actions', 7)} ${pad('peak', 4)}`,
  ];
  for (const r of results) {
    lines.push(
      `${r.trace.padEnd(12)} ${r.controller.padEnd(17)} ${pad(r.sloViolationSeconds, 10)} ${pad(r.replicaSeconds, 10)} ${pad(r.flaps, 5)} ${pad(r.actions, 7)} ${pad(r.peakReplicas, 4)}`,
    );
  }
  const totals = new Map<string, { slo: number; rs: number; flaps: number }>();
  for (const r of results) {
    const t = totals.get(r.controller) ?? { slo: 0, rs: 0, flaps: 0 };
    t.slo += r.sloViolationSeconds;
    t.rs += r.replicaSeconds;
    t.flaps += r.flaps;
    totals.set(r.controller, t);
  }
  lines.push('');
  for (const [name, t] of totals) {
    lines.push(
      `${'total'.padEnd(12)} ${name.padEnd(17)} ${pad(t.slo, 10)} ${pad(t.rs, 10)} ${pad(t.flaps, 5)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = {
    bench: 'control',
    at: new Date().toISOString(),
    durationMs: Date.now() - started,
    service: DEFAULT_SERVICE,
    policy: simPolicy(DEFAULT_SERVICE),
    sim: SIM_OPTIONS,
    evaluationSeconds: {
      autoserve: ENGINE_INTERVAL_SECONDS,
      hpaDefault: HPA_SYNC_SECONDS,
      threshold: HPA_SYNC_SECONDS,
    },
    engineOptions: ENGINE_OPTIONS,
    results,
    totals: Object.fromEntries(totals),
  };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}control.json`, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`wrote bench/results/control.json\n`);
}
