/**
 * Hand-encoded PostgreSQL binary COPY for the metrics table, in its column
 * order: app_name text, instance_id int4, metric_type text, timestamp
 * timestamptz, value float8, labels jsonb, unit text, aggregation_level text.
 * Binary skips the server's text parsing of every number and timestamp,
 * which is most of COPY's cost for narrow rows.
 */
export const METRICS_COPY_SQL =
  'COPY metrics (app_name, instance_id, metric_type, timestamp, value, labels, unit, aggregation_level) FROM STDIN (FORMAT binary)';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Microseconds between the Unix epoch and the Postgres epoch (2000-01-01). */
const PG_EPOCH_US = 946_684_800_000_000;
const TWO_32 = 4_294_967_296;

/** One metrics row, already validated. */
export interface MetricRow {
  app: Buffer;
  instanceId: number;
  metricType: Buffer;
  /** Microseconds since the Unix epoch. */
  timeUs: number;
  value: number;
  /** JSON text of the labels, or null. */
  labels: string | null;
  unit: Buffer | null;
  aggregationLevel: Buffer;
}

/** Growable buffer writer for one COPY payload (header, rows, trailer). */
export class CopyWriter {
  #buf: Buffer;
  #pos = 0;

  constructor(expectedRows: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(1024, 19 + expectedRows * 96));
    SIGNATURE.copy(this.#buf, 0);
    this.#buf.writeInt32BE(0, 11); // flags
    this.#buf.writeInt32BE(0, 15); // header extension length
    this.#pos = 19;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(bigger, 0, 0, this.#pos);
    this.#buf = bigger;
  }

  #bytes(b: Buffer | null): void {
    if (b === null) {
      this.#buf.writeInt32BE(-1, this.#pos);
      this.#pos += 4;
      return;
    }
    this.#buf.writeInt32BE(b.length, this.#pos);
    b.copy(this.#buf, this.#pos + 4);
    this.#pos += 4 + b.length;
  }

  /** Appends one row. */
  row(r: MetricRow): void {
    const labelsMax = r.labels === null ? 0 : r.labels.length * 3 + 1;
    this.#ensure(
      2 +
        8 * 4 +
        r.app.length +
        4 +
        r.metricType.length +
        8 +
        8 +
        labelsMax +
        (r.unit?.length ?? 0) +
        r.aggregationLevel.length,
    );
    const buf = this.#buf;
    buf.writeInt16BE(8, this.#pos);
    this.#pos += 2;
    this.#bytes(r.app);
    if (r.instanceId > 0) {
      buf.writeInt32BE(4, this.#pos);
      buf.writeInt32BE(r.instanceId, this.#pos + 4);
      this.#pos += 8;
    } else {
      buf.writeInt32BE(-1, this.#pos);
      this.#pos += 4;
    }
    this.#bytes(r.metricType);
    const us = r.timeUs - PG_EPOCH_US;
    const hi = Math.floor(us / TWO_32);
    buf.writeInt32BE(8, this.#pos);
    buf.writeInt32BE(hi, this.#pos + 4);
    buf.writeUInt32BE(us - hi * TWO_32, this.#pos + 8);
    buf.writeInt32BE(8, this.#pos + 12);
    buf.writeDoubleBE(r.value, this.#pos + 16);
    this.#pos += 24;
    if (r.labels === null) {
      buf.writeInt32BE(-1, this.#pos);
      this.#pos += 4;
    } else {
      // jsonb binary format: version byte 1, then the JSON text.
      const n = buf.write(r.labels, this.#pos + 5, 'utf8');
      buf.writeInt32BE(n + 1, this.#pos);
      buf.writeUInt8(1, this.#pos + 4);
      this.#pos += 5 + n;
    }
    this.#bytes(r.unit);
    this.#bytes(r.aggregationLevel);
  }

  /** The payload with its trailer; the writer must not be used afterwards. */
  finish(): Buffer {
    this.#ensure(2);
    this.#buf.writeInt16BE(-1, this.#pos);
    this.#pos += 2;
    return this.#buf.subarray(0, this.#pos);
  }
}
