import { ConnectError } from '@connectrpc/connect';
import { percentile } from './stats.js';

/** One RPC's figures over a run. */
export interface RpcFigures {
  calls: number;
  ok: number;
  per_second: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  errors: Record<string, number>;
}

/**
 * Latencies of successful calls and failures by gRPC code, per RPC name:
 * a mixed load run reports each RPC separately, and a fault run must show
 * which calls failed and how.
 */
export class RpcStats {
  private readonly latencies = new Map<string, number[]>();
  private readonly errors = new Map<string, Record<string, number>>();

  /** Times `call` under `rpc`; a failure is counted by code, never thrown. */
  async time(rpc: string, call: () => Promise<unknown>): Promise<boolean> {
    const t0 = performance.now();
    try {
      await call();
      this.list(rpc).push(performance.now() - t0);
      return true;
    } catch (err) {
      const code = ConnectError.from(err).code;
      const byCode = this.errors.get(rpc) ?? {};
      const name = codeName(code);
      byCode[name] = (byCode[name] ?? 0) + 1;
      this.errors.set(rpc, byCode);
      this.list(rpc);
      return false;
    }
  }

  private list(rpc: string): number[] {
    const l = this.latencies.get(rpc) ?? [];
    this.latencies.set(rpc, l);
    return l;
  }

  /** Total failed calls across RPCs. */
  failed(): number {
    let n = 0;
    for (const byCode of this.errors.values()) for (const c of Object.values(byCode)) n += c;
    return n;
  }

  figures(seconds: number): Record<string, RpcFigures> {
    const out: Record<string, RpcFigures> = {};
    const r = (x: number) => Math.round(x * 100) / 100;
    for (const [rpc, l] of this.latencies) {
      const sorted = [...l].sort((a, b) => a - b);
      const errors = this.errors.get(rpc) ?? {};
      const failed = Object.values(errors).reduce((s, n) => s + n, 0);
      out[rpc] = {
        calls: sorted.length + failed,
        ok: sorted.length,
        per_second: r(sorted.length / seconds),
        p50_ms: r(percentile(sorted, 50)),
        p95_ms: r(percentile(sorted, 95)),
        p99_ms: r(percentile(sorted, 99)),
        max_ms: r(sorted.at(-1) ?? 0),
        errors,
      };
    }
    return out;
  }
}

const NAMES: Record<number, string> = {
  1: 'CANCELED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

function codeName(code: number): string {
  return NAMES[code] ?? `CODE_${code}`;
}
