/** A health_checks row (without id/app_name): what the checker probes with. */
export interface HealthCheckRow {
  protocol: 'HTTP' | 'TCP';
  /** HTTP path; null for TCP. */
  path: string | null;
  /** null = the instance's assigned port. */
  port: number | null;
  method: 'GET' | 'POST' | 'PUT' | 'HEAD';
  headers: Record<string, string> | null;
  body: string | null;
  expected_status_codes: number[];
  initial_delay_seconds: number;
  period_seconds: number;
  timeout_seconds: number;
  failure_threshold: number;
  success_threshold: number;
  enabled: boolean;
}
