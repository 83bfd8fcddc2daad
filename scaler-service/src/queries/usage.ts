import type { Db } from './db.js';

/** One instance's sampled usage. */
export interface UsageSample {
  appName: string;
  instanceId: number;
  cpuPercent: number;
  memoryPercent: number;
  memoryBytes: number;
}

/**
 * Writes sampled usage as instance-level metrics (cpu_percent,
 * memory_percent, memory_bytes) in one statement, and the latest values on
 * the instance rows, so the autoscaler and ListApps see the same numbers.
 */
export async function insertUsageSamples(db: Db, samples: UsageSample[]): Promise<void> {
  if (samples.length === 0) return;
  const apps = samples.map((s) => s.appName);
  const ids = samples.map((s) => s.instanceId);
  const cpu = samples.map((s) => s.cpuPercent);
  const mem = samples.map((s) => s.memoryPercent);
  const bytes = samples.map((s) => s.memoryBytes);
  await db.query(
    `INSERT INTO metrics (app_name, instance_id, metric_type, value, unit, aggregation_level)
     SELECT u.app, u.id, t.type, CASE t.type WHEN 'cpu_percent' THEN u.cpu
                                      WHEN 'memory_percent' THEN u.mem ELSE u.bytes END,
            t.unit, 'instance'
       FROM unnest($1::text[], $2::int[], $3::float8[], $4::float8[], $5::float8[])
              AS u(app, id, cpu, mem, bytes)
      CROSS JOIN (VALUES ('cpu_percent', '%'), ('memory_percent', '%'), ('memory_bytes', 'bytes'))
              AS t(type, unit)`,
    [apps, ids, cpu, mem, bytes],
  );
  await db.query(
    `UPDATE instances i SET cpu_percent = u.cpu, memory_percent = u.mem,
            memory_usage_bytes = u.bytes::bigint
       FROM unnest($1::int[], $2::float8[], $3::float8[], $4::float8[]) AS u(id, cpu, mem, bytes)
      WHERE i.id = u.id`,
    [ids, cpu, mem, bytes],
  );
}
