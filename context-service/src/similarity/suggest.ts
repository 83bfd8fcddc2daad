import { Outcome } from '@autoserve/proto/context/v1';

/** One past incident near the query, as the suggestion ranking needs it. */
export interface Evidence {
  incidentId: bigint;
  /** 1 - cosine distance. */
  similarity: number;
  /** Workflow that ran for it, or '' when none was recorded. */
  workflowName: string;
  /** The incident's recorded remediation action ('' when none). */
  action: string;
  outcome: Outcome;
  /** Workflow duration in seconds, when it has both a start and an end. */
  durationSeconds: number | undefined;
}

/** One remediation and its record on the evidence. */
export interface Suggestion {
  workflowName: string;
  action: string;
  successRate: number;
  lower: number;
  upper: number;
  supporting: number;
  succeeded: number;
  failed: number;
  undecided: number;
  effectiveSupport: number;
  maxSimilarity: number;
  meanSimilarity: number;
  medianDurationSeconds: number | undefined;
  evidence: bigint[];
}

/** z for a two-sided 95% interval. */
const Z = 1.959964;

/**
 * Wilson score interval for a proportion `p` observed over `n` trials. With weighted trials `n`
 * is Kish's effective sample size, so ten near-identical failures weigh as ten, and one faint
 * neighbour weighs as less than one. Chosen over the normal approximation because it stays inside
 * [0, 1] and is not degenerate at p = 0 or 1, which is exactly where small evidence sets sit.
 */
export function wilson(p: number, n: number): { lower: number; upper: number } {
  if (n <= 0) return { lower: 0, upper: 1 };
  const z2 = Z * Z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

/** The remediation an incident was handled with: its workflow, else its recorded action. */
function keyOf(e: Evidence): string {
  return e.workflowName ? `w:${e.workflowName}` : `a:${e.action}`;
}

/**
 * Groups the nearest past incidents by the remediation applied and ranks the remediations by the
 * lower bound of their similarity-weighted success rate. Weights are the similarities (clamped at
 * 0): nearer incidents say more about this one. Ranking by the lower bound is what keeps the
 * "similarity trap" shut: a remediation that failed on near-identical incidents has a rate near 0
 * however similar they were, so it ranks below one that worked on slightly less similar incidents;
 * and a single lucky success has a wide interval, so it ranks below a consistent record.
 */
export function suggestRemediations(evidence: readonly Evidence[], limit: number): Suggestion[] {
  const groups = new Map<string, Evidence[]>();
  for (const e of evidence) {
    if (!e.workflowName && !e.action) continue; // nothing recorded as done: no remediation to suggest
    const key = keyOf(e);
    const list = groups.get(key);
    if (list) list.push(e);
    else groups.set(key, [e]);
  }
  const out: Suggestion[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => b.similarity - a.similarity || Number(a.incidentId - b.incidentId));
    let sumW = 0;
    let sumW2 = 0;
    let sumWs = 0;
    let succeeded = 0;
    let failed = 0;
    for (const e of list) {
      if (e.outcome !== Outcome.SUCCEEDED && e.outcome !== Outcome.FAILED) continue;
      const w = Math.max(0, e.similarity);
      sumW += w;
      sumW2 += w * w;
      if (e.outcome === Outcome.SUCCEEDED) {
        sumWs += w;
        succeeded++;
      } else failed++;
    }
    const rate = sumW > 0 ? sumWs / sumW : 0;
    const nEff = sumW2 > 0 ? (sumW * sumW) / sumW2 : 0;
    const { lower, upper } = wilson(rate, nEff);
    const first = list[0]!;
    out.push({
      workflowName: first.workflowName,
      action: first.workflowName ? '' : first.action,
      successRate: rate,
      lower,
      upper,
      supporting: list.length,
      succeeded,
      failed,
      undecided: list.length - succeeded - failed,
      effectiveSupport: nEff,
      maxSimilarity: first.similarity,
      meanSimilarity: list.reduce((s, e) => s + e.similarity, 0) / list.length,
      medianDurationSeconds: median(
        list.flatMap((e) => (e.durationSeconds === undefined ? [] : [e.durationSeconds])),
      ),
      evidence: list.map((e) => e.incidentId),
    });
  }
  out.sort(
    (a, b) =>
      b.lower - a.lower ||
      b.successRate - a.successRate ||
      b.maxSimilarity - a.maxSimilarity ||
      (a.workflowName + a.action).localeCompare(b.workflowName + b.action),
  );
  return out.slice(0, limit);
}
