import { Outcome } from '@autoserve/proto/context/v1';

/**
 * Whether the fix of an incident worked, from its remediation request's phase
 * and its latest workflow execution's phase. Any failure wins (a request that
 * "completed" after a failed workflow still did not fix things the first
 * time); then success; then work still under way.
 */
export function outcomeOf(
  requestPhase: string | null | undefined,
  workflowPhase: string | null | undefined,
): Outcome {
  if (requestPhase === 'Failed' || workflowPhase === 'Failed') return Outcome.FAILED;
  if (requestPhase === 'Completed') return Outcome.SUCCEEDED;
  if (
    requestPhase === 'Pending' ||
    requestPhase === 'Processing' ||
    workflowPhase === 'Pending' ||
    workflowPhase === 'Executing' ||
    workflowPhase === 'Paused'
  ) {
    return Outcome.IN_PROGRESS;
  }
  if (workflowPhase === 'Completed') return Outcome.SUCCEEDED;
  return Outcome.UNKNOWN;
}
