/**
 * The fuzzing loop: every method of the given services (from their
 * descriptors), `perRpc` calls each, a few in parallel; after each method
 * both services must answer SERVING, and a crash (a supervisor restart) or
 * an INTERNAL/UNKNOWN answer is a finding with the request that caused it.
 */
import { readFileSync } from 'node:fs';
import type { DescService } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { prng } from '../../test/support/protobuf-fuzz.js';
import { type MethodKind, rawCall } from './call.js';
import { body, type GenOptions } from './generate.js';

export interface FuzzTarget {
  service: DescService;
  address: string;
  /** Process id of the service now (it changes after a restart). */
  pid(): number | undefined;
}

export interface FuzzOptions {
  perRpc: number;
  seed: number;
  token: string;
  concurrency: number;
  deadlineMs: number;
  gen: GenOptions;
  /** Crashes per service so far (the supervisor restarts them). */
  crashes(): Record<string, number>;
  /** Health of an address: 'SERVING' or why not. */
  health(address: string): Promise<string>;
  progress?(line: string): void;
  /** Only methods whose path matches (e.g. /RecordRemediation/); default all. */
  methods?: RegExp;
}

export interface Finding {
  code: string;
  details: string;
  kind: string;
  request_hex: string;
}

export interface MethodReport {
  calls: number;
  codes: Record<string, number>;
  faults: number;
  examples: Finding[];
  /** The first UNAVAILABLE answers: with the database up, each is a suspect (not an outage). */
  unavailable_examples: Finding[];
  crashes: number;
  health_after: Record<string, string>;
  seconds: number;
}

export interface FuzzReport {
  seed: number;
  per_rpc: number;
  methods: Record<string, MethodReport>;
  calls: number;
  faults: number;
  crashes: number;
  health_failures: number;
  rss_mb: Record<string, { start: number; max: number; end: number }>;
  seconds: number;
}

/** Resident set size of a process, MB (0 when gone). */
export function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

const CALLER_FAULT_BUGS = new Set([grpc.status.INTERNAL, grpc.status.UNKNOWN]);

function hashSeed(seed: number, s: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

async function waitServing(
  targets: FuzzTarget[],
  o: FuzzOptions,
  ms: number,
): Promise<Record<string, string>> {
  const until = Date.now() + ms;
  for (;;) {
    const states = await Promise.all(targets.map((t) => o.health(t.address)));
    const out = Object.fromEntries(targets.map((t, i) => [t.service.name, states[i]!]));
    if (states.every((s) => s === 'SERVING') || Date.now() > until) return out;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function runFuzz(targets: FuzzTarget[], o: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const rss: FuzzReport['rss_mb'] = {};
  const sampleRss = (phase: 'start' | 'end' | 'max') => {
    for (const t of targets) {
      const mb = rssMb(t.pid());
      const r = rss[t.service.name] ?? { start: mb, max: mb, end: mb };
      rss[t.service.name] = r;
      r.max = Math.max(r.max, mb);
      if (phase === 'end') r.end = mb;
    }
  };
  sampleRss('start');
  const report: FuzzReport = {
    seed: o.seed,
    per_rpc: o.perRpc,
    methods: {},
    calls: 0,
    faults: 0,
    crashes: 0,
    health_failures: 0,
    rss_mb: rss,
    seconds: 0,
  };
  for (const t of targets) {
    const connect = () =>
      new grpc.Client(t.address, grpc.credentials.createInsecure(), {
        'grpc.max_send_message_length': 8 << 20,
        'grpc.max_receive_message_length': 8 << 20,
      });
    let client = connect();
    for (const method of t.service.methods) {
      const path = `/${t.service.typeName}/${method.name}`;
      if (o.methods && !o.methods.test(path)) continue;
      const rnd = prng(hashSeed(o.seed, path));
      const m: MethodReport = {
        calls: 0,
        codes: {},
        faults: 0,
        examples: [],
        unavailable_examples: [],
        crashes: 0,
        health_after: {},
        seconds: 0,
      };
      const t0 = performance.now();
      const before = o.crashes();
      let next = 0;
      const worker = async () => {
        while (next < o.perRpc) {
          next++;
          const md = new grpc.Metadata();
          const auth = rnd.next();
          if (auth < 0.95) md.set('authorization', `Bearer ${o.token}`);
          else if (auth < 0.98) md.set('authorization', 'Bearer not-a-valid-token-at-all-xxxxxx');
          let last = { kind: 'random', bytes: Buffer.alloc(0) } as ReturnType<typeof body>;
          const frames = () => {
            last = body(rnd, method.input, o.gen);
            return last.bytes;
          };
          const r = await rawCall(
            client,
            method.methodKind as MethodKind,
            path,
            frames,
            md,
            rnd,
            o.deadlineMs,
          );
          m.calls++;
          const name = grpc.status[r.code] ?? String(r.code);
          m.codes[name] = (m.codes[name] ?? 0) + 1;
          if (r.code === grpc.status.UNAVAILABLE && m.unavailable_examples.length < 5) {
            m.unavailable_examples.push({
              code: name,
              details: r.details.slice(0, 200),
              kind: last.kind,
              request_hex: last.bytes.subarray(0, 160).toString('hex'),
            });
          }
          if (CALLER_FAULT_BUGS.has(r.code)) {
            m.faults++;
            if (m.examples.length < 5) {
              m.examples.push({
                code: name,
                details: r.details.slice(0, 200),
                kind: last.kind,
                request_hex: last.bytes.subarray(0, 160).toString('hex'),
              });
            }
          }
        }
      };
      await Promise.all(Array.from({ length: o.concurrency }, worker));
      const crashed = () => {
        const after = o.crashes();
        return Object.keys(after).reduce((n, k) => n + (after[k]! - (before[k] ?? 0)), 0);
      };
      // The exit of a crashed child can land after its calls failed: look again after the health wait.
      m.health_after = await waitServing(targets, o, 5000);
      m.crashes = crashed();
      if (m.crashes) {
        // Being restarted by the supervisor: wait for it before going on.
        m.health_after = await waitServing(targets, o, 60_000);
        // A fresh channel: the old one may sit in reconnect back-off after the crash.
        client.close();
        client = connect();
      }
      m.seconds = Number(((performance.now() - t0) / 1000).toFixed(2));
      sampleRss('max');
      report.methods[path] = m;
      report.calls += m.calls;
      report.faults += m.faults;
      report.crashes += m.crashes;
      if (Object.values(m.health_after).some((s) => s !== 'SERVING')) report.health_failures++;
      o.progress?.(
        `${path}: ${m.calls} calls ${JSON.stringify(m.codes)}${m.faults ? ` FAULTS ${m.faults}` : ''}${m.crashes ? ` CRASHES ${m.crashes}` : ''} (${m.seconds} s)`,
      );
    }
    client.close();
  }
  sampleRss('end');
  report.seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  return report;
}
