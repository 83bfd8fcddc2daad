/**
 * The persistence model both services share, per table: the row type, a check of the row's
 * shape where node-postgres or to_jsonb() can surprise us, the one row -> proto mapper, the enum
 * codecs and the defaults table. Imported as `@autoserve/runtime/model`.
 */
export * from './action-execution.js';
export * from './ai-analysis.js';
export * from './app-status.js';
export * from './audit-trail.js';
export * from './columns.js';
export * from './defaults.js';
export * from './enums.js';
export * from './event.js';
export * from './health-check-row.js';
export * from './incident.js';
export * from './instance.js';
export * from './metric-windows.js';
export * from './policy-row.js';
export * from './prefixed.js';
export * from './remediation-processing.js';
export * from './remediation-request.js';
export * from './time.js';
export * from './workflow-execution.js';
