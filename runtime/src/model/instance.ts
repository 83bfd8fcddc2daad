/**
 * An instance that counts as the app's capacity: starting or running and not being drained.
 * One predicate for the reconciler, the control pass and the autoscaler, so "how many replicas
 * does the app have" has one answer.
 */
export function isLiveInstance(row: {
  status: string;
  draining_since: Date | string | null;
}): boolean {
  return (row.status === 'starting' || row.status === 'running') && !row.draining_since;
}
