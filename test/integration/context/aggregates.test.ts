import { RemediationPhase } from '@autoserve/proto/common/v1';
import { GroupBy, TrendDirection, Window } from '@autoserve/proto/context/v1';
import { beforeAll, describe, expect, inject } from 'vitest';
import { serviceTest } from '../../support/fixtures.js';
import { auth, uniquePrefix, waitForReplica, withClient } from './fixture.js';

const db = inject('db');
const test = serviceTest();
const DAY = 86_400_000;

interface Req {
  name: string;
  signal: string;
  target: string;
  phase: string;
  priority: string;
  reason: string | null;
  env: string;
  ageDays: number;
  durationS: number;
  workflows: { name: string; phase: string; seconds: number; ageDays: number }[];
}

/** A deterministic remediation history for one namespace, kept in memory for the expectations. */
function history(): Req[] {
  const out: Req[] = [];
  const phases = ['Completed', 'Failed', 'Completed', 'Processing', 'Completed'];
  for (let i = 0; i < 60; i++) {
    const ageDays = 0.5 + ((i * 37) % 89) + (i % 3) * 0.1;
    out.push({
      name: `rr-${i}`,
      signal: ['HighCPU', 'OOMKilled', 'CrashLoop', 'Rare'][i % 4 === 3 && i > 10 ? 0 : i % 4]!,
      target: i % 5 === 0 ? 'worker' : 'api',
      phase: phases[i % 5]!,
      priority: ['P0', 'P1', 'P2', 'P1'][i % 4]!,
      reason: i % 5 === 1 ? ['Timeout', 'ImagePull', 'Timeout'][i % 3]! : null,
      env: i % 7 === 0 ? 'staging' : 'production',
      ageDays,
      durationS: 30 + ((i * 13) % 200),
      workflows: Array.from({ length: 1 + (i % 3) }, (_, k) => ({
        name: ['restart', 'scale-out', 'rollback'][(i + k) % 3]!,
        phase: (i + k) % 4 === 0 ? 'Failed' : (i + k) % 9 === 0 ? 'Executing' : 'Completed',
        seconds: 10 + ((i * 7 + k * 31) % 120),
        ageDays: ageDays - 0.01 * (k + 1),
      })),
    });
  }
  return out;
}

/** percentile_cont: linear interpolation between closest ranks. */
function percentileCont(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const x = p * (s.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return s[lo]! + (s[hi]! - s[lo]!) * (x - lo);
}

describe('aggregate RPCs match an independent computation', () => {
  const ns = uniquePrefix('agg');
  const data = history();

  beforeAll(async () => {
    const now = Date.now();
    await withClient(db.scalerUrl, async (pgc) => {
      for (const r of data) {
        const created = new Date(now - r.ageDays * DAY);
        const finished = ['Completed', 'Failed'].includes(r.phase);
        await pgc.query(
          `INSERT INTO remediation_requests (name, namespace, signal_type, signal_name, signal_namespace,
             target_type, target_name, target_namespace, environment, priority, phase, reason,
             created_at, started_at, completed_at, correlation_id)
           VALUES ($1, $2, 'prometheus', $3, $2, 'deployment', $4, $2, $5, $6, $7, $8, $9,
                   $9::timestamptz + interval '1 second',
                   CASE WHEN $10 THEN $9::timestamptz + interval '1 second' + make_interval(secs => $11) END,
                   $12)`,
          [
            r.name,
            ns,
            r.signal,
            r.target,
            r.env,
            r.priority,
            r.phase,
            r.reason,
            created,
            finished,
            r.durationS,
            `${ns}-${r.name}`,
          ],
        );
        for (const [k, w] of r.workflows.entries()) {
          const wc = new Date(now - w.ageDays * DAY);
          await pgc.query(
            `INSERT INTO workflow_executions (name, namespace, remediation_request_ref, workflow_name,
               step_count, phase, created_at, started_at, completed_at)
             VALUES ($1, $2, $3, $4, 2, $5, $6, $6, CASE WHEN $5 <> 'Executing' THEN $6::timestamptz + make_interval(secs => $7) END)`,
            [`${r.name}-wf-${k}`, ns, r.name, w.name, w.phase, wc, w.seconds],
          );
        }
      }
    });
    await waitForReplica(db);
  }, 120_000);

  test('GetEnvironmentContext for each window', async ({ contextClient: c }) => {
    for (const [window, days] of [
      [Window.WINDOW_7_DAYS, 7],
      [Window.WINDOW_30_DAYS, 30],
      [Window.WINDOW_90_DAYS, 90],
    ] as const) {
      const rows = data.filter((r) => r.target === 'api' && r.ageDays < days);
      const ok = rows.filter((r) => r.phase === 'Completed');
      const failed = rows.filter((r) => r.phase === 'Failed');
      const res = await c.getEnvironmentContext(
        { namespace: ns, targetType: 'deployment', targetName: 'api', window },
        auth,
      );
      expect(res.total).toBe(BigInt(rows.length));
      expect(res.successful).toBe(BigInt(ok.length));
      expect(res.failed).toBe(BigInt(failed.length));
      expect(res.successRate).toBeCloseTo(ok.length / Math.max(1, ok.length + failed.length), 9);
      const avg = ok.reduce((s, r) => s + r.durationS, 0) / Math.max(1, ok.length);
      expect(res.avgDurationSeconds).toBeCloseTo(avg, 3);
      expect(res.p0Count).toBe(BigInt(rows.filter((r) => r.priority === 'P0').length));
      expect(res.p1Count).toBe(BigInt(rows.filter((r) => r.priority === 'P1').length));
      const reasons = new Map<string, number>();
      for (const r of failed) if (r.reason) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
      expect(res.commonFailureReasons.map((x) => [x.reason, Number(x.count)])).toEqual(
        [...reasons].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5),
      );
      const recent = [...rows].sort((a, b) => a.ageDays - b.ageDays).slice(0, 10);
      expect(res.recent.map((r) => r.name)).toEqual(recent.map((r) => r.name));
      expect(res.environment).toBe(recent[0]?.env ?? '');
    }
  });

  test('GetWorkflowSuccessRates by workflow and by environment, with percentiles and trend', async ({
    contextClient: c,
  }) => {
    for (const groupBy of [GroupBy.WORKFLOW, GroupBy.ENVIRONMENT]) {
      const res = await c.getWorkflowSuccessRates(
        { namespace: ns, window: Window.WINDOW_30_DAYS, groupBy },
        auth,
      );
      const groups = new Map<string, { phase: string; seconds: number; ageDays: number }[]>();
      for (const r of data)
        for (const w of r.workflows) {
          if (w.ageDays >= 30) continue;
          const key = groupBy === GroupBy.WORKFLOW ? w.name : r.env;
          groups.set(key, [...(groups.get(key) ?? []), w]);
        }
      expect(res.rates.map((x) => x.key).sort()).toEqual([...groups.keys()].sort());
      for (const rate of res.rates) {
        const ws = groups.get(rate.key)!;
        const ok = ws.filter((w) => w.phase === 'Completed');
        const failed = ws.filter((w) => w.phase === 'Failed');
        expect(rate.total).toBe(BigInt(ws.length));
        expect(rate.successful).toBe(BigInt(ok.length));
        expect(rate.failed).toBe(BigInt(failed.length));
        const secs = ok.map((w) => w.seconds);
        expect(rate.p50DurationSeconds).toBeCloseTo(percentileCont(secs, 0.5), 3);
        expect(rate.p95DurationSeconds).toBeCloseTo(percentileCont(secs, 0.95), 3);
        expect(rate.p99DurationSeconds).toBeCloseTo(percentileCont(secs, 0.99), 3);
        const half = (first: boolean) => {
          const h = ws.filter((w) => w.ageDays > 15 === first);
          const hok = h.filter((w) => w.phase === 'Completed').length;
          const fin = h.filter((w) => w.phase === 'Completed' || w.phase === 'Failed').length;
          return { rate: fin ? hok / fin : 0, fin };
        };
        const [a, b] = [half(true), half(false)];
        expect(rate.trend!.firstHalfSuccessRate).toBeCloseTo(a.rate, 9);
        expect(rate.trend!.secondHalfSuccessRate).toBeCloseTo(b.rate, 9);
        if (a.fin < 3 || b.fin < 3)
          expect(rate.trend!.direction).toBe(TrendDirection.INSUFFICIENT_DATA);
      }
      const totals = res.rates.map((x) => Number(x.total));
      expect([...totals].sort((x, y) => y - x)).toEqual(totals);
    }
  });

  test('GetHistoricalPatterns counts requests, not join rows', async ({ contextClient: c }) => {
    const res = await c.getHistoricalPatterns(
      { namespace: ns, targetType: 'deployment', window: Window.WINDOW_90_DAYS, minOccurrences: 3 },
      auth,
    );
    const bySignal = new Map<string, Req[]>();
    for (const r of data)
      if (r.ageDays < 90) bySignal.set(r.signal, [...(bySignal.get(r.signal) ?? []), r]);
    const expected = [...bySignal].filter(([, rs]) => rs.length >= 3);
    expect(res.patterns.map((p) => p.signalName).sort()).toEqual(expected.map(([s]) => s).sort());
    for (const p of res.patterns) {
      const rs = bySignal.get(p.signalName)!;
      expect(p.occurrences).toBe(BigInt(rs.length));
      expect(p.successRate).toBeCloseTo(
        rs.filter((r) => r.phase === 'Completed').length / rs.length,
        9,
      );
      const phaseCounts = new Map<string, number>();
      for (const r of rs) phaseCounts.set(r.phase, (phaseCounts.get(r.phase) ?? 0) + 1);
      const top = Math.max(...phaseCounts.values());
      expect(
        [...phaseCounts]
          .filter(([, n]) => n === top)
          .map(([ph]) => RemediationPhase[ph.toUpperCase() as 'COMPLETED']),
      ).toContain(p.mostCommonPhase);
      const wf = new Map<string, number>();
      for (const r of rs) for (const w of r.workflows) wf.set(w.name, (wf.get(w.name) ?? 0) + 1);
      expect(p.commonWorkflows).toEqual(
        [...wf]
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .slice(0, 5)
          .map(([n]) => n),
      );
    }
  });

  test('caches aggregates: N concurrent identical misses run one query', async ({
    contextClient: c,
  }) => {
    const states: string[] = [];
    await Promise.all(
      Array.from({ length: 12 }, () =>
        c.getEnvironmentContext(
          {
            namespace: ns,
            targetType: 'deployment',
            targetName: 'worker',
            window: Window.WINDOW_30_DAYS,
          },
          { ...auth, onHeader: (h) => states.push(h.get('x-cache') ?? '') },
        ),
      ),
    );
    expect(states.filter((s) => s === 'miss')).toHaveLength(1);
    expect(states.filter((s) => s === 'hit')).toHaveLength(11);
  });
});
