/**
 * `npm run bench -- transport [--seconds 5] [--rounds 3]`: the same handler
 * served by our grpc-js adapter (interceptor chain included) and by
 * connect-node's server, side by side in one run, each in its own process:
 *
 * - small unary calls (GetApp) driven by h2load (4 connections x 16
 *   streams, pre-encoded frames), rounds alternating between the servers;
 *   QPS and server CPU per call, medians over the rounds, and the ratio;
 * - the cost to the server of an unauthenticated 4 MiB RegisterApp (~300k
 *   map entries): server CPU ms per call. Our chain refuses it from its
 *   metadata; connect-node decodes the body before its interceptors run.
 *
 * Writes bench/results/transport.json. Loopback only; no database.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaler } from '@autoserve/proto';
import { create, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { TICK_MS, ticksOf } from './support/proc-cpu.js';
import { TRANSPORT_BENCH_TOKEN } from './support/transport-token.js';

const MODES = ['grpc-js', 'connect'] as const;
type Mode = (typeof MODES)[number];
const PATH = '/autoserve.scaler.v1.ScalerService';

interface Server {
  proc: ChildProcess;
  port: number;
}

async function startServer(mode: Mode): Promise<Server> {
  const script = fileURLToPath(new URL('./support/transport-server.ts', import.meta.url));
  const proc = spawn(process.execPath, ['--import', 'tsx', script, mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
  return { proc, port };
}

/** One unary call with raw bytes; resolves the gRPC status code. */
function unary(port: number, method: string, body: Buffer, token?: string): Promise<number> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 8 * 1024 * 1024,
  });
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      `${PATH}/${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      md,
      (err) => {
        client.close();
        resolve(err ? err.code : 0);
      },
    ),
  );
}

const frame = (message: Uint8Array) => {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  Buffer.from(message).copy(out, 5);
  return out;
};

function h2load(port: number, frameFile: string, seconds: number): number {
  const out = execFileSync(
    'h2load',
    [
      ...['-c', '4', '-m', '16', '-D', String(seconds)],
      ...['-H', 'content-type: application/grpc', '-H', 'te: trailers'],
      ...['-H', `authorization: Bearer ${TRANSPORT_BENCH_TOKEN}`, '-d', frameFile],
      `http://127.0.0.1:${port}${PATH}/GetApp`,
    ],
    { encoding: 'utf8' },
  );
  const m = /finished in [\d.]+s, ([\d.]+) req\/s/.exec(out);
  if (!m) throw new Error(`unexpected h2load output:\n${out}`);
  return Number(m[1]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function bigRegisterApp(): Buffer {
  const env: Record<string, string> = {};
  for (let i = 0; i < 300_000; i++) env[`K${i}`] = 'v';
  return Buffer.from(
    toBinary(
      scaler.RegisterAppRequestSchema,
      create(scaler.RegisterAppRequestSchema, { name: 'big', spec: { image: 'x', env } }),
    ),
  );
}

export async function main(args: string[]): Promise<void> {
  const opt = (name: string, def: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : def;
  };
  const seconds = opt('seconds', 5);
  const rounds = opt('rounds', 3);
  const frameFile = join(tmpdir(), `transport-bench-${process.pid}.bin`);
  const getApp = create(scaler.GetAppRequestSchema, { name: 'web' });
  writeFileSync(frameFile, frame(toBinary(scaler.GetAppRequestSchema, getApp)));
  const servers = {} as Record<Mode, Server>;
  try {
    for (const mode of MODES) servers[mode] = await startServer(mode);
    const body = Buffer.from(toBinary(scaler.GetAppRequestSchema, getApp));
    for (const mode of MODES) {
      // h2load counts HTTP 200 as success whatever grpc-status says: check with a real client.
      const code = await unary(servers[mode].port, 'GetApp', body, TRANSPORT_BENCH_TOKEN);
      if (code !== 0) throw new Error(`${mode}: GetApp answered status ${code}`);
      h2load(servers[mode].port, frameFile, 1); // warm-up
    }
    const qps: Record<Mode, number[]> = { 'grpc-js': [], connect: [] };
    const cpu: Record<Mode, number[]> = { 'grpc-js': [], connect: [] };
    for (let r = 0; r < rounds; r++) {
      for (const mode of MODES) {
        const pid = servers[mode].proc.pid!;
        const before = ticksOf(pid);
        const rate = h2load(servers[mode].port, frameFile, seconds);
        qps[mode].push(rate);
        cpu[mode].push(((ticksOf(pid) - before) * TICK_MS) / (rate * seconds));
        process.stdout.write(`round ${r + 1} ${mode}: ${Math.round(rate)} calls/s\n`);
      }
    }
    const big = bigRegisterApp();
    const unauth: Record<Mode, { code: number; server_cpu_ms_per_call: number }> = {} as never;
    for (const mode of MODES) {
      const pid = servers[mode].proc.pid!;
      const before = ticksOf(pid);
      let code = 0;
      for (let i = 0; i < 4; i++) code = await unary(servers[mode].port, 'RegisterApp', big);
      unauth[mode] = {
        code,
        server_cpu_ms_per_call: ((ticksOf(pid) - before) * TICK_MS) / 4,
      };
    }
    const result = {
      machine: { cpus: cpus().length, node: process.version },
      load: { tool: 'h2load', connections: 4, streams_per_connection: 16, seconds, rounds },
      unary_get_app: Object.fromEntries(
        MODES.map((m) => [
          m,
          {
            qps_median: Math.round(median(qps[m])),
            qps_rounds: qps[m].map(Math.round),
            server_cpu_ms_per_call: Number(median(cpu[m]).toFixed(4)),
          },
        ]),
      ),
      ratio_grpc_js_over_connect: Number((median(qps['grpc-js']) / median(qps.connect)).toFixed(2)),
      // Per round (the two servers measured back to back): robust to load from elsewhere.
      ratio_rounds: qps['grpc-js'].map((q, i) => Number((q / qps.connect[i]!).toFixed(2))),
      server_cpu_ratio_connect_over_grpc_js: Number(
        (median(cpu.connect) / median(cpu['grpc-js'])).toFixed(2),
      ),
      unauthenticated_register_app_4mib: { request_bytes: big.length, ...unauth },
    };
    writeFileSync(
      new URL('./results/transport.json', import.meta.url),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    const rows = [
      [
        'GetApp, grpc-js adapter',
        `${result.unary_get_app['grpc-js']!.qps_median} calls/s (median)`,
      ],
      ['GetApp, connect-node', `${result.unary_get_app.connect!.qps_median} calls/s (median)`],
      [
        'ratio grpc-js / connect-node',
        `${result.ratio_grpc_js_over_connect} (per round: ${result.ratio_rounds.join(', ')})`,
      ],
      [
        'server CPU per call grpc-js / connect',
        `${result.unary_get_app['grpc-js']!.server_cpu_ms_per_call} / ${result.unary_get_app.connect!.server_cpu_ms_per_call} ms (${result.server_cpu_ratio_connect_over_grpc_js}x)`,
      ],
      [
        `unauthenticated ${(big.length / 2 ** 20).toFixed(1)} MiB RegisterApp, grpc-js`,
        `${unauth['grpc-js'].server_cpu_ms_per_call} ms server CPU per call (status ${unauth['grpc-js'].code})`,
      ],
      [
        '  the same, connect-node (decodes first)',
        `${unauth.connect.server_cpu_ms_per_call} ms server CPU per call (status ${unauth.connect.code})`,
      ],
    ];
    const width = Math.max(...rows.map(([k]) => k!.length));
    for (const [k, v] of rows) process.stdout.write(`${k!.padEnd(width)}  ${v}\n`);
  } finally {
    for (const s of Object.values(servers)) s.proc.kill('SIGTERM');
  }
}
