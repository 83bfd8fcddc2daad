/**
 * `npm run bench -- control [--seeds=1,2,3,4,5] [--apps=1000] [--passes=5] [--no-scale]
 *   [--scale-only] [--baseline=<checkout root>]`:
 * control quality of the decision engine, and the control loop's cost.
 *
 * Quality: replays two trace families through a service model (latency rises
 * as load per replica nears capacity; new replicas need a start-up delay)
 * with a fake clock, for our engine, the HPA algorithm (hpa_compatible, HPA
 * default behaviour, 15 s sync) and the seed's threshold algorithm, all with
 * the same policy targets: the simulator's own four traces (spike, ramp,
 * oscillation, diurnal) and the stress family of eleven kinds built
 * differently (stress-traces.ts), once per seed. Reports SLO-violation
 * seconds, replica-seconds and flaps (direction reversals within the 300 s
 * down stabilization window) per trace.
 *
 * Scale: one control-loop pass over N apps x 5 instances (fake runtime, real
 * database): pass time p50/p95 and database round trips per app. With
 * --baseline, another checkout's control pass runs alternately with ours on
 * the same data (before/after side by side in one run): both medians and
 * their ratio.
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
import type { SimResult } from '../scaler-service/src/decision/sim/simulate.js';
import { STRESS_TRACES } from '../scaler-service/src/decision/sim/stress-traces.js';
import { controlScale } from './support/control-scale.js';

const CONTROLLERS = ['autoserve', 'hpa-default', 'threshold (seed)'] as const;

interface Cell {
  slo: number;
  rs: number;
  flaps: number;
}

function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

function arg(args: string[], name: string, fallback: string): string {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : fallback;
}

/** Per trace kind and controller, summed over seeds; plus per-seed wins of ours over the HPA. */
function table(title: string, results: SimResult[], seeds: number): string[] {
  const cells = new Map<string, Cell>();
  const perSeed = new Map<string, number[]>();
  for (const r of results) {
    const key = `${r.trace}|${r.controller}`;
    const c = cells.get(key) ?? { slo: 0, rs: 0, flaps: 0 };
    c.slo += r.sloViolationSeconds;
    c.rs += r.replicaSeconds;
    c.flaps += r.flaps;
    cells.set(key, c);
    if (r.controller !== 'threshold (seed)') {
      const list = perSeed.get(key) ?? [];
      list.push(r.sloViolationSeconds);
      perSeed.set(key, list);
    }
  }
  const kinds = [...new Set(results.map((r) => r.trace))];
  const head = CONTROLLERS.map((c) => `${c.slice(0, 10).padStart(10)} slo/rs/flaps  `).join('');
  const lines = [
    `${title} (${seeds} seed${seeds > 1 ? 's' : ''}, summed)`,
    `${'trace'.padEnd(20)} ${head} wins`,
  ];
  const total = new Map<string, Cell>();
  for (const k of kinds) {
    let line = k.padEnd(20);
    for (const c of CONTROLLERS) {
      const v = cells.get(`${k}|${c}`)!;
      line += ` ${pad(v.slo, 6)} ${pad(v.rs, 8)} ${pad(v.flaps, 3)}  `;
      const t = total.get(c) ?? { slo: 0, rs: 0, flaps: 0 };
      t.slo += v.slo;
      t.rs += v.rs;
      t.flaps += v.flaps;
      total.set(c, t);
    }
    const ours = perSeed.get(`${k}|autoserve`)!;
    const hpa = perSeed.get(`${k}|hpa-default`)!;
    const wins = ours.filter((v, i) => v < hpa[i]!).length;
    const ties = ours.filter((v, i) => v === hpa[i]!).length;
    lines.push(`${line} ${wins}/${ours.length}${ties ? ` (${ties} tie)` : ''}`);
  }
  let line = 'total'.padEnd(20);
  for (const c of CONTROLLERS) {
    const v = total.get(c)!;
    line += ` ${pad(v.slo, 6)} ${pad(v.rs, 8)} ${pad(v.flaps, 3)}  `;
  }
  lines.push(line, '');
  return lines;
}

export async function main(args: string[]): Promise<void> {
  const started = Date.now();
  const seeds = arg(args, 'seeds', '1,2,3,4,5').split(',').map(Number);
  // --scale-only: just the pass figure (the quality replay takes seconds per seed).
  const quality = !args.includes('--scale-only');
  const seedFamily = quality ? compareControllers(DEFAULT_SERVICE) : [];
  const stress = (quality ? seeds : []).flatMap((seed) =>
    compareControllers(
      DEFAULT_SERVICE,
      STRESS_TRACES.map((make) => make(seed)),
    ).map((r) => ({ ...r, seed })),
  );
  if (quality) {
    const lines = [
      ...table('simulator traces', seedFamily, 1),
      ...table('stress traces', stress, seeds.length),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  let scale: Awaited<ReturnType<typeof controlScale>> | undefined;
  if (!args.includes('--no-scale')) {
    const apps = Number(arg(args, 'apps', '1000'));
    const passes = Number(arg(args, 'passes', '5'));
    const baseline = arg(args, 'baseline', '');
    scale = await controlScale(apps, 5, passes, baseline || undefined);
    process.stdout.write(
      `control pass, ${scale.apps} apps x ${scale.instancesPerApp} instances (fake runtime, real db): ` +
        `p50 ${scale.passMs.p50} ms, p95 ${scale.passMs.p95} ms over ${scale.passes} passes, ` +
        `${scale.roundTripsPerApp.toFixed(3)} round trips per app\n`,
    );
    if (scale.baseline) {
      const b = scale.baseline;
      process.stdout.write(
        `  baseline ${b.tree}, alternated on the same data: p50 ${b.passMs.p50} ms, p95 ${b.passMs.p95} ms; ` +
          `baseline/ours p50 ${b.ratioP50}x\n`,
      );
    }
    for (const [k, ms] of Object.entries(scale.msPerPass)) {
      const perPass = (scale.statementsPerApp[k] ?? 0) * scale.apps;
      process.stdout.write(`  ${pad(perPass.toFixed(1), 5)}/pass ${pad(ms, 6)} ms/pass  ${k}\n`);
    }
  }
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
    seeds,
    results: { simulator: seedFamily, stress },
    scale,
  };
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}control.json`, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write('wrote bench/results/control.json\n');
}
