import type { RunningService } from '@autoserve/runtime';
import { Code } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { startContext } from '../../support/services.js';
import { auth, type ContextClient, contextClient, expectCode } from './fixture.js';

const db = inject('db');
const ts = (seconds: number) => ({ seconds: BigInt(seconds), nanos: 0 });
const vec = (values: number[], embedder = 'hash-v1') => ({
  query: { case: 'vector' as const, value: { values, embedder } },
});
const ones = () => Array.from({ length: 1536 }, () => 1);

describe('bad input is InvalidArgument naming the field, never Internal', () => {
  let service: RunningService;
  let c: ContextClient;
  beforeAll(async () => {
    service = await startContext(db);
    c = contextClient(service);
  });
  afterAll(async () => {
    await service?.stop();
  });

  const cases: [string, () => Promise<unknown>, string][] = [
    ['missing query', () => c.searchSimilarIncidents({}, auth), 'query'],
    ['wrong dimension', () => c.searchSimilarIncidents(vec([1, 2, 3]), auth), 'vector.values'],
    [
      'NaN',
      () => c.searchSimilarIncidents(vec(ones().map((x, i) => (i === 7 ? Number.NaN : x))), auth),
      'vector.values',
    ],
    [
      'Infinity',
      () => c.searchSimilarIncidents(vec(ones().map((x, i) => (i === 0 ? Infinity : x))), auth),
      'vector.values',
    ],
    [
      'zero vector',
      () => c.searchSimilarIncidents(vec(ones().map(() => 0)), auth),
      'vector.values',
    ],
    ['empty embedder', () => c.searchSimilarIncidents(vec(ones(), ''), auth), 'vector.embedder'],
    [
      'limit too large',
      () => c.searchSimilarIncidents({ ...vec(ones()), limit: 101 }, auth),
      'limit',
    ],
    [
      'negative limit',
      () => c.searchSimilarIncidents({ ...vec(ones()), limit: -1 }, auth),
      'limit',
    ],
    [
      'min_similarity > 1',
      () => c.searchSimilarIncidents({ ...vec(ones()), minSimilarity: 1.5 }, auth),
      'min_similarity',
    ],
    [
      'accuracy < 0.5',
      () => c.searchSimilarIncidents({ ...vec(ones()), accuracy: 0.1 }, auth),
      'accuracy',
    ],
    [
      'unknown phase',
      () => c.searchSimilarIncidents({ ...vec(ones()), filter: { phases: [42 as never] } }, auth),
      'filter.phases',
    ],
    [
      'inverted range',
      () =>
        c.searchSimilarIncidents(
          { ...vec(ones()), filter: { createdAfter: ts(2000), createdBefore: ts(1000) } },
          auth,
        ),
      'filter.created_before',
    ],
    [
      'empty text',
      () => c.searchSimilarIncidents({ query: { case: 'text', value: '' } }, auth),
      'text',
    ],
    [
      'incident id 0',
      () => c.searchSimilarIncidents({ query: { case: 'incidentId', value: 0n } }, auth),
      'incident_id',
    ],
    ['dups without namespace', () => c.listNearDuplicates({}, auth), 'namespace'],
    [
      'dups threshold',
      () => c.listNearDuplicates({ namespace: 'x', minSimilarity: -0.1 }, auth),
      'min_similarity',
    ],
    [
      'dups page size',
      () => c.listNearDuplicates({ namespace: 'x', pageSize: 501 }, auth),
      'page_size',
    ],
    [
      'dups malformed token',
      () => c.listNearDuplicates({ namespace: 'x', pageToken: 'garbage!' }, auth),
      'page_token',
    ],
    [
      'env unknown window',
      () =>
        c.getEnvironmentContext(
          { namespace: 'a', targetType: 'b', targetName: 'c', window: 9 as never },
          auth,
        ),
      'window',
    ],
    [
      'env missing target',
      () => c.getEnvironmentContext({ namespace: 'a', targetType: 'b' }, auth),
      'target_name',
    ],
    [
      'rates unknown group_by',
      () => c.getWorkflowSuccessRates({ namespace: 'a', groupBy: 7 as never }, auth),
      'group_by',
    ],
    [
      'patterns min_occurrences',
      () =>
        c.getHistoricalPatterns({ namespace: 'a', targetType: 'b', minOccurrences: 20_000 }, auth),
      'min_occurrences',
    ],
    ['timeline without key', () => c.getRemediationTimeline({}, auth), 'key'],
    [
      'timeline empty name',
      () =>
        c.getRemediationTimeline(
          { key: { case: 'requestName', value: { namespace: 'a', name: '' } } },
          auth,
        ),
      'request_name.name',
    ],
    [
      'history unknown priority',
      () => c.listRemediationHistory({ priorities: [9 as never] }, auth),
      'priorities',
    ],
    [
      'history inverted range',
      () => c.listRemediationHistory({ createdAfter: ts(10), createdBefore: ts(5) }, auth),
      'created_before',
    ],
    [
      'history bad nanos',
      () => c.listRemediationHistory({ createdAfter: { seconds: 1n, nanos: -3 } }, auth),
      'created_after',
    ],
    [
      'history foreign token',
      () =>
        c.listRemediationHistory(
          {
            pageToken: Buffer.from(
              JSON.stringify({ v: 1, k: 'app-events', f: 'x', p: [] }),
            ).toString('base64url'),
          },
          auth,
        ),
      'page_token',
    ],
    ['events without app', () => c.listAppEvents({}, auth), 'app_name'],
    [
      'events unknown severity',
      () => c.listAppEvents({ appName: 'a', minSeverity: 99 as never }, auth),
      'min_severity',
    ],
    [
      'events page size',
      () => c.listAppEvents({ appName: 'a', pageSize: 1001 }, auth),
      'page_size',
    ],
    [
      'metrics unknown type',
      () => c.getAppMetrics({ appName: 'a', metricTypes: [77 as never] }, auth),
      'metric_types',
    ],
    [
      'metrics window too long',
      () => c.getAppMetrics({ appName: 'a', window: ts(91 * 86400) }, auth),
      'window',
    ],
    [
      'metrics too many buckets',
      () => c.getAppMetrics({ appName: 'a', window: ts(86400), bucket: ts(1) }, auth),
      'bucket',
    ],
    [
      'metrics inverted range',
      () => c.getAppMetrics({ appName: 'a', since: ts(100), until: ts(50) }, auth),
      'until',
    ],
  ];

  it.each(cases)('%s', async (_name, call, field) => {
    await expectCode(call(), Code.InvalidArgument, field);
  });

  it('unknown ids are NotFound', async () => {
    await expectCode(
      c.getRemediationTimeline({ key: { case: 'correlationId', value: 'no-such-id' } }, auth),
      Code.NotFound,
    );
    await expectCode(
      c.getRemediationTimeline(
        { key: { case: 'requestName', value: { namespace: 'none', name: 'none' } } },
        auth,
      ),
      Code.NotFound,
    );
    await expectCode(
      c.searchSimilarIncidents({ query: { case: 'incidentId', value: 987_654_321_987n } }, auth),
      Code.NotFound,
    );
    await expectCode(c.listAppEvents({ appName: 'no-such-app' }, auth), Code.NotFound);
    await expectCode(c.getAppMetrics({ appName: 'no-such-app' }, auth), Code.NotFound);
  });
});
