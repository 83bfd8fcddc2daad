import { Gauge } from 'prom-client';
import type { Pool } from '../db/pool.js';
import { metricsRegistry } from './registry.js';

// Pools observed per name; a set because in-process tests run several
// services, whose pools of the same name are summed.
const pools = new Map<string, Set<Pool>>();

const sum = (name: string, read: (p: Pool) => number) =>
  [...(pools.get(name) ?? [])].reduce((acc, p) => acc + read(p), 0);

new Gauge({
  name: 'autoserve_db_pool_connections',
  help: 'Connections of a database pool by state: total (open), idle, and waiting (callers queued for one).',
  labelNames: ['pool', 'state'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const name of pools.keys()) {
      this.set(
        { pool: name, state: 'total' },
        sum(name, (p) => p.totalCount),
      );
      this.set(
        { pool: name, state: 'idle' },
        sum(name, (p) => p.idleCount),
      );
      this.set(
        { pool: name, state: 'waiting' },
        sum(name, (p) => p.waitingCount),
      );
    }
  },
});

new Gauge({
  name: 'autoserve_db_pool_max_connections',
  help: 'Configured maximum connections of a database pool.',
  labelNames: ['pool'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const name of pools.keys()) {
      this.set(
        { pool: name },
        sum(name, (p) => p.options.max ?? 10),
      );
    }
  },
});

/**
 * Exposes a pool's usage under `name` ("primary", "replica") until the
 * returned function is called (on stop, before the pool ends).
 */
export function observePool(name: string, pool: Pool): () => void {
  let set = pools.get(name);
  if (!set) {
    set = new Set();
    pools.set(name, set);
  }
  set.add(pool);
  return () => {
    set.delete(pool);
    if (set.size === 0 && pools.get(name) === set) pools.delete(name);
  };
}
