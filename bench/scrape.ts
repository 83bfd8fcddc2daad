/**
 * `npm run bench -- scrape [--instances 50,200] [--seconds 8]`
 *
 * What scraping apps' /metrics costs the Scaler, on two exposition families
 * built differently: `test-app` (scripts/test-app's shape: a few routes,
 * ~70 lines) and `prom-client-40` (a prom-client style service with default
 * process metrics and 40 routes x 3 methods x 3 codes, labelled histograms,
 * ~2,400 lines). Part 1: CPU time per scrape in this process (mean of 100) to
 * parse the whole exposition, to parse only the mapped series (what the
 * scraper does), and to map. Part 2: the real scraper (startScraper) against N
 * loopback HTTP servers in a child process, every instance every second,
 * samples validated and encoded as for COPY (encodeMessages) but not
 * stored, so the figure is the scraper's own CPU per scrape (process CPU
 * time / scrapes). Writes bench/results/scrape.json. Loopback only, bounded.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { scaler } from '@autoserve/proto';
import pino from 'pino';
import { encodeMessages, Interner } from '../scaler-service/src/ingest/encode-batch.js';
import type { ScrapeTarget } from '../scaler-service/src/queries/scrape-targets.js';
import { mapScrape, newInstanceState } from '../scaler-service/src/scrape/map-series.js';
import { parseExposition, seriesNamesOf } from '../scaler-service/src/scrape/parse.js';
import { startScraper } from '../scaler-service/src/scrape/scraper.js';
import type { MetricsSourceJson } from '../scaler-service/src/validation/metrics-source.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** An exposition with `routes` x methods x codes counters and routes x methods histograms. */
function exposition(
  routes: number,
  methods: string[],
  codes: number[],
  defaults: number,
  k: number,
) {
  const lines: string[] = [
    '# HELP http_requests_total Requests.',
    '# TYPE http_requests_total counter',
  ];
  for (let r = 0; r < routes; r++)
    for (const m of methods)
      for (const c of codes)
        lines.push(
          `http_requests_total{method="${m}",route="/r${r}",code="${c}"} ${k * (r + 1) * c}`,
        );
  lines.push('# TYPE http_request_duration_seconds histogram');
  for (let r = 0; r < routes; r++)
    for (const m of methods) {
      let cum = 0;
      for (const b of BUCKETS) {
        cum += k * (b < 0.1 ? 3 : 1);
        lines.push(
          `http_request_duration_seconds_bucket{le="${b}",method="${m}",route="/r${r}"} ${cum}`,
        );
      }
      lines.push(
        `http_request_duration_seconds_bucket{le="+Inf",method="${m}",route="/r${r}"} ${cum}`,
      );
      lines.push(`http_request_duration_seconds_sum{method="${m}",route="/r${r}"} ${cum * 0.03}`);
      lines.push(`http_request_duration_seconds_count{method="${m}",route="/r${r}"} ${cum}`);
    }
  lines.push('# TYPE http_open_connections gauge', `http_open_connections ${k % 50}`);
  for (let i = 0; i < defaults; i++) {
    lines.push(`# HELP nodejs_metric_${i} A default metric.`, `# TYPE nodejs_metric_${i} gauge`);
    lines.push(`nodejs_metric_${i}{kind="x${i % 7}"} ${i * 1.5}`);
  }
  return `${lines.join('\n')}\n`;
}

const FAMILIES = {
  'test-app': (k: number) => exposition(4, ['GET'], [200, 404, 500], 0, k),
  'prom-client-40': (k: number) => exposition(40, ['GET', 'POST', 'PUT'], [200, 404, 500], 120, k),
};

const SOURCE: MetricsSourceJson = {
  path: '/metrics',
  port: null,
  interval_ms: 1000,
  timeout_ms: 1000,
  rate_window_ms: 4000,
  series: [
    {
      metric_type: 'rps',
      series: 'http_requests_total',
      kind: 'counter',
      matchers: [{ name: 'code', value: '500', op: 'ne' }],
      scale: 1,
    },
    {
      metric_type: 'latency_p95',
      series: 'http_request_duration_seconds',
      kind: 'histogram',
      matchers: [],
      scale: 1000,
    },
    {
      metric_type: 'active_connections',
      series: 'http_open_connections',
      kind: 'gauge',
      matchers: [],
      scale: 1,
    },
  ],
};

/** CPU time (ms) of fn, from process.cpuUsage: wall time would count the machine's other load. */
function cpuMs(fn: () => void): number {
  const c = process.cpuUsage();
  fn();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
}

function cpuOnly(family: keyof typeof FAMILIES) {
  const bodies = Array.from({ length: 8 }, (_, k) => FAMILIES[family](k + 1));
  const names = seriesNamesOf(SOURCE.series);
  const state = newInstanceState(SOURCE);
  const whole: number[] = [];
  const filtered: number[] = [];
  const map: number[] = [];
  // Alternating, so both parses see the same machine load.
  for (let i = 0; i < 100; i++) {
    const body = bodies[i % bodies.length]!;
    whole.push(cpuMs(() => parseExposition(body)));
    let e: ReturnType<typeof parseExposition> | undefined;
    filtered.push(
      cpuMs(() => {
        e = parseExposition(body, names);
      }),
    );
    map.push(cpuMs(() => mapScrape(e!, SOURCE, state, i * 1000)));
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    bytes: Buffer.byteLength(bodies[0]!),
    lines: bodies[0]!.split('\n').length,
    parse_all_cpu_ms_mean: sum(whole),
    parse_mapped_series_cpu_ms_mean: sum(filtered),
    map_cpu_ms_mean: sum(map),
  };
}

/** N servers in a child process; each answers /metrics with the body of the current second (counters advance). */
async function startServers(bodies: string[], n: number) {
  const code = `
    const http = require('node:http');
    let input = '';
    process.stdin.on('data', (d) => { input += d; }).on('end', () => {
      const bodies = JSON.parse(input); const t0 = Date.now();
      const body = () => bodies[Math.min(bodies.length - 1, Math.floor((Date.now() - t0) / 1000))];
      const ports = []; let up = 0;
      for (let i = 0; i < ${n}; i++) {
        const s = http.createServer((q, r) => r.end(body()));
        s.listen(0, '127.0.0.1', () => { ports.push(s.address().port); if (++up === ${n}) process.stdout.write(JSON.stringify(ports) + '\\n'); });
      }
    });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin!.end(JSON.stringify(bodies));
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, ports: JSON.parse(line.toString()) as number[] };
}

async function endToEnd(family: keyof typeof FAMILIES, n: number, seconds: number) {
  const bodies = Array.from({ length: seconds + 3 }, (_, k) => FAMILIES[family](k + 1));
  const { child, ports } = await startServers(bodies, n);
  const targets: ScrapeTarget[] = ports.map((port, i) => ({
    id: i + 1,
    app_name: `app-${i % 10}`,
    ip: '127.0.0.1',
    port,
    source: SOURCE,
  }));
  const interner = new Interner();
  let samples = 0;
  const ingest = {
    async ingest(batch: readonly scaler.MetricSample[]) {
      const r = encodeMessages(
        batch,
        { nowMs: Date.now(), maxAgeMs: 86_400_000, isKnownApp: () => true },
        interner,
      );
      if (r.error) throw r.error.err;
      samples += batch.length;
      return batch.length;
    },
  };
  const db = { query: async () => ({ rows: targets }) } as never;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const scraper = startScraper({
    db,
    ingest,
    log: pino({ level: 'error' }),
    config: { enabled: true, concurrency: 16, maxBodyBytes: 4 * 1024 * 1024, tickMs: 100 },
    isLeader: () => true,
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await scraper.stop();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  child.kill();
  const st = scraper.stats();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    instances: n,
    scrapes: st.scrapes,
    failures: st.failures,
    samples,
    scrapes_per_s: st.scrapes / (wall / 1000),
    cpu_ms_per_scrape: cpuMs / Math.max(1, st.scrapes),
    scaler_cpu_cores: cpuMs / wall,
  };
}

export async function main(args: string[]): Promise<void> {
  const i = args.indexOf('--instances');
  const counts = (i >= 0 ? args[i + 1]! : '50,200').split(',').map(Number);
  const s = args.indexOf('--seconds');
  const seconds = s >= 0 ? Number(args[s + 1]) : 8;
  const result: Record<string, unknown> = {};
  for (const family of Object.keys(FAMILIES) as (keyof typeof FAMILIES)[]) {
    const cpu = cpuOnly(family);
    const e2e = [];
    for (const n of counts) e2e.push(await endToEnd(family, n, seconds));
    result[family] = { ...cpu, end_to_end: e2e };
    console.log(
      `\n${family}: ${cpu.lines} lines, ${cpu.bytes} bytes; CPU ms per scrape (mean of 100): parse all ${cpu.parse_all_cpu_ms_mean.toFixed(3)}, parse mapped series only ${cpu.parse_mapped_series_cpu_ms_mean.toFixed(3)}, map ${cpu.map_cpu_ms_mean.toFixed(3)}`,
    );
    console.log('  instances  scrapes/s  failures  CPU ms/scrape  scraper cores');
    for (const r of e2e)
      console.log(
        `  ${String(r.instances).padStart(9)}  ${r.scrapes_per_s.toFixed(1).padStart(9)}  ${String(r.failures).padStart(8)}  ${r.cpu_ms_per_scrape.toFixed(3).padStart(13)}  ${r.scaler_cpu_cores.toFixed(3).padStart(13)}`,
      );
  }
  writeFileSync(
    new URL('./results/scrape.json', import.meta.url),
    `${JSON.stringify(result, null, 2)}\n`,
  );
}
