import type { Embedder, Pool } from '@autoserve/runtime';
import type { Logger } from 'pino';
import type { ScalerConfig } from '../config.js';
import type { EndpointFeed } from '../endpoints/watch.js';
import type { EventHub } from '../events/hub.js';
import type { EventTail } from '../events/tail.js';
import type { MetricsIngest } from '../ingest/ingest.js';

/** What the write-side handler families need (built in app.ts). */
export interface WriteSideDeps {
  /** Primary, scaler (read-write) role. */
  db: Pool;
  config: ScalerConfig;
  log: Logger;
  /** Metrics ingest: validation, app cache, bounded binary COPY. */
  ingest: MetricsIngest;
  /** Wakes WatchEvents streams on NOTIFY or poll. */
  events: EventHub;
  /** The one reader behind every WatchEvents stream (on the watchers' own pool). */
  eventTail: EventTail;
  /** The one reader behind every WatchEndpoints stream (on the watchers' own pool). */
  endpointFeed: EndpointFeed;
  /** Embeds StoreIncidentEmbedding text. */
  embedder: Embedder;
}
