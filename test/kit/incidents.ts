import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** Filter attributes of seeded item i, chosen so filters keep exactly 10%, 1%, 0.1%. */
export function seededMeta(i: number, prefix: string) {
  return {
    namespace: `${prefix}-ns-${i % 10}`,
    targetType: 'deployment',
    targetName: `t-${Math.floor(i / 10) % 10}`,
    signalType: `s-${Math.floor(i / 100) % 10}`,
    signalName: `Signal${i % 7}`,
    priority: ['P0', 'P1', 'P2'][i % 3]!,
    phase: ['Completed', 'Failed', 'Completed', 'Processing'][i % 4]!,
  };
}

/** Filters (IncidentFilter init) keeping 100%, 10%, 1% and 0.1% of a seeded set. */
export function selectivityFilters(prefix: string) {
  return [
    { label: '100%', fraction: 1, filter: {}, keep: (_i: number) => true },
    {
      label: '10%',
      fraction: 0.1,
      filter: { namespace: `${prefix}-ns-0` },
      keep: (i: number) => i % 10 === 0,
    },
    {
      label: '1%',
      fraction: 0.01,
      filter: { namespace: `${prefix}-ns-0`, targetType: 'deployment', targetName: 't-0' },
      keep: (i: number) => i % 10 === 0 && Math.floor(i / 10) % 10 === 0,
    },
    {
      label: '0.1%',
      fraction: 0.001,
      filter: {
        namespace: `${prefix}-ns-0`,
        targetType: 'deployment',
        targetName: 't-0',
        signalType: 's-0',
      },
      keep: (i: number) => i % 1000 === 0,
    },
  ];
}

const PG_EPOCH_US = 946_684_800_000_000n;

/** Encodes rows in Postgres' binary COPY format (5x faster than text for vectors). */
export class BinaryCopyEncoder {
  private chunks: Buffer[] = [];

  static header(): Buffer {
    const h = Buffer.alloc(19);
    h.write('PGCOPY\n\xff\r\n\0', 0, 'latin1');
    return h;
  }

  static trailer(): Buffer {
    const t = Buffer.alloc(2);
    t.writeInt16BE(-1);
    return t;
  }

  row(fields: (Buffer | null)[]): void {
    const head = Buffer.alloc(2);
    head.writeInt16BE(fields.length);
    this.chunks.push(head);
    for (const f of fields) {
      const len = Buffer.alloc(4);
      len.writeInt32BE(f === null ? -1 : f.length);
      this.chunks.push(len);
      if (f) this.chunks.push(f);
    }
  }

  take(): Buffer {
    const b = Buffer.concat(this.chunks);
    this.chunks = [];
    return b;
  }

  static int8(v: bigint | string | number): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    return b;
  }

  static text(s: string | null): Buffer | null {
    return s === null ? null : Buffer.from(s, 'utf8');
  }

  /** timestamptz from epoch microseconds. */
  static timestamptz(epochUs: bigint): Buffer {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(epochUs - PG_EPOCH_US);
    return b;
  }

  /** pgvector's binary form: int16 dims, int16 unused, float4 values. */
  static vector(v: Float32Array): Buffer {
    const b = Buffer.alloc(4 + 4 * v.length);
    b.writeInt16BE(v.length, 0);
    b.writeInt16BE(0, 2);
    for (let i = 0; i < v.length; i++) b.writeFloatBE(v[i]!, 4 + 4 * i);
    return b;
  }
}

export interface SeedOptions {
  n: number;
  prefix: string;
  embedder: string;
  vector: (i: number) => Float32Array;
  /** Base time; item i is created i minutes... earlier, spread over ~60 days. */
  baseMs: number;
  batch?: number;
  onProgress?: (done: number) => void;
  /** Namespace of item i, instead of seededMeta's (data families with their own filters). */
  namespaceOf?: (i: number) => string;
}

/** Epoch microseconds of item i's created_at. */
export function createdAtUs(i: number, baseMs: number): bigint {
  return BigInt(baseMs) * 1000n - BigInt(i % 60) * 86_400_000_000n - BigInt(i) * 1_000_000n;
}

/**
 * Inserts n remediation requests (ids from the table's identity, so the
 * seeded rows never collide with other writers) and their embeddings by
 * binary COPY. Returns the embedding ids in item order.
 */
export async function seedIncidents(client: pg.ClientBase, o: SeedOptions): Promise<bigint[]> {
  const batch = o.batch ?? 2000;
  const out: bigint[] = [];
  for (let start = 0; start < o.n; start += batch) {
    const items = Array.from({ length: Math.min(batch, o.n - start) }, (_, k) => start + k);
    const metas = items.map((i) => {
      const m = seededMeta(i, o.prefix);
      return o.namespaceOf ? { ...m, namespace: o.namespaceOf(i) } : m;
    });
    const created = items.map((i) => createdAtUs(i, o.baseMs));
    const inserted = await client.query<{ name: string; id: string; created_at_us: string }>(
      `INSERT INTO remediation_requests (name, namespace, signal_type, signal_name, signal_namespace,
         target_type, target_name, target_namespace, environment, priority, phase, reason,
         created_at, started_at, completed_at, correlation_id)
       SELECT 'rr-' || x.i, x.ns, x.st, x.sn, x.ns, x.tt, x.tn, x.ns, 'production', x.pr, x.ph,
              CASE WHEN x.ph = 'Failed' THEN 'Timeout' END,
              x.ts, x.ts + interval '5 seconds',
              CASE WHEN x.ph IN ('Completed', 'Failed') THEN x.ts + interval '65 seconds' END,
              $10 || '-' || x.i
       FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                   $7::text[], $8::text[], $9::timestamptz[])
            AS x (i, ns, st, sn, tt, tn, pr, ph, ts)
       RETURNING name, id::text, (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_at_us`,
      [
        items,
        metas.map((m) => m.namespace),
        metas.map((m) => m.signalType),
        metas.map((m) => m.signalName),
        metas.map((m) => m.targetType),
        metas.map((m) => m.targetName),
        metas.map((m) => m.priority),
        metas.map((m) => m.phase),
        created.map((us) =>
          new Date(Number(us / 1000n))
            .toISOString()
            .replace('Z', `${String(us % 1000n).padStart(3, '0')}Z`),
        ),
        o.prefix,
      ],
    );
    const byName = new Map(inserted.rows.map((r) => [r.name, r]));
    const reqRows = items.map((i) => byName.get(`rr-${i}`)!);
    const stream = client.query(
      copyFrom(
        `COPY incident_embeddings (remediation_request_id, remediation_request_created_at, namespace,
           target_type, target_name, signal_type, signal_name, priority, environment, root_cause,
           remediation_action, phase, embedder, embedding) FROM STDIN (FORMAT binary)`,
      ),
    );
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    const enc = new BinaryCopyEncoder();
    stream.write(BinaryCopyEncoder.header());
    const E = BinaryCopyEncoder;
    items.forEach((i, k) => {
      const m = metas[k]!;
      const r = reqRows[k]!;
      enc.row([
        E.int8(r.id),
        E.timestamptz(BigInt(r.created_at_us)),
        E.text(m.namespace),
        E.text(m.targetType),
        E.text(m.targetName),
        E.text(m.signalType),
        E.text(m.signalName),
        E.text(m.priority),
        E.text('production'),
        E.text(`root cause ${i % 13}`),
        E.text(`action ${i % 5}`),
        E.text(m.phase),
        E.text(o.embedder),
        E.vector(o.vector(i)),
      ]);
      if (k % 200 === 199) stream.write(enc.take());
    });
    stream.write(enc.take());
    stream.end(BinaryCopyEncoder.trailer());
    await done;
    const ids = await client.query<{ id: string }>(
      `SELECT ie.id::text FROM unnest($1::bigint[]) WITH ORDINALITY AS r (rid, ord)
       JOIN incident_embeddings ie ON ie.remediation_request_id = r.rid ORDER BY r.ord`,
      [reqRows.map((r) => r.id)],
    );
    out.push(...ids.rows.map((r) => BigInt(r.id)));
    o.onProgress?.(out.length);
  }
  return out;
}
