import type { MetricsSourceJson } from '../validation/metrics-source.js';
import type { Db } from './db.js';

/** A healthy instance of an app that has a metrics source. */
export interface ScrapeTarget {
  id: number;
  app_name: string;
  /** The instance's own address (host(inet)): the only host ever scraped. */
  ip: string;
  port: number;
  source: MetricsSourceJson;
}

/**
 * Instances to scrape: running, healthy, not draining, of apps whose spec
 * has a metrics source (idx_applications_metrics_source). Draining
 * instances are left out like endpoints are: their traffic is going away.
 */
export async function listScrapeTargets(db: Db): Promise<ScrapeTarget[]> {
  const res = await db.query<ScrapeTarget>(
    `SELECT i.id, i.app_name, host(i.ip) AS ip, i.port, a.spec->'metrics_source' AS source
       FROM applications a
       JOIN instances i ON i.app_name = a.name
      WHERE a.spec ? 'metrics_source'
        AND i.status = 'running' AND i.health_status = 'healthy' AND i.draining_since IS NULL
      ORDER BY i.id`,
  );
  return res.rows;
}
