import { Code } from '@connectrpc/connect';
import { describe } from 'vitest';
import { serviceTest } from '../../support/fixtures.js';
import { auth, type ContextClient, expectCode } from './fixture.js';

const test = serviceTest();
const ts = (seconds: number) => ({ seconds: BigInt(seconds), nanos: 0 });
const vec = (values: number[], embedder = 'hash-v1') => ({
  query: { case: 'vector' as const, value: { values, embedder } },
});
const ones = () => Array.from({ length: 1536 }, () => 1);

describe('bad input is InvalidArgument naming the field, never Internal', () => {
  const cases: [string, (c: ContextClient) => Promise<unknown>, string][] = [
    ['missing query', (c) => c.searchSimilarIncidents({}, auth), 'query'],
    ['wrong dimension', (c) => c.searchSimilarIncidents(vec([1, 2, 3]), auth), 'vector.values'],
    [
      'NaN',
      (c) => c.searchSimilarIncidents(vec(ones().map((x, i) => (i === 7 ? Number.NaN : x))), auth),
      'vector.values',
    ],
    [
      'Infinity',
      (c) => c.searchSimilarIncidents(vec(ones().map((x, i) => (i === 0 ? Infinity : x))), auth),
      'vector.values',
    ],
    [
      'zero vector',
      (c) => c.searchSimilarIncidents(vec(ones().map(() => 0)), auth),
      'vector.values',
    ],
    ['empty embedder', (c) => c.searchSimilarIncidents(vec(ones(), ''), auth), 'vector.embedder'],
    [
      'limit too large',
      (c) => c.searchSimilarIncidents({ ...vec(ones()), limit: 101 }, auth),
      'limit',
    ],
    [
      'negative limit',
      (c) => c.searchSimilarIncidents({ ...vec(ones()), limit: -1 }, auth),
      'limit',
    ],
    [
      'min_similarity > 1',
      (c) => c.searchSimilarIncidents({ ...vec(ones()), minSimilarity: 1.5 }, auth),
      'min_similarity',
    ],
    [
      'accuracy < 0.5',
      (c) => c.searchSimilarIncidents({ ...vec(ones()), accuracy: 0.1 }, auth),
      'accuracy',
    ],
    [
      'unknown phase',
      (c) => c.searchSimilarIncidents({ ...vec(ones()), filter: { phases: [42 as never] } }, auth),
      'filter.phases',
    ],
    [
      'inverted range',
      (c) =>
        c.searchSimilarIncidents(
          { ...vec(ones()), filter: { createdAfter: ts(2000), createdBefore: ts(1000) } },
          auth,
        ),
      'filter.created_before',
    ],
    [
      'empty text',
      (c) => c.searchSimilarIncidents({ query: { case: 'text', value: '' } }, auth),
      'text',
    ],
    [
      'incident id 0',
      (c) => c.searchSimilarIncidents({ query: { case: 'incidentId', value: 0n } }, auth),
      'incident_id',
    ],
    ['dups without namespace', (c) => c.listNearDuplicates({}, auth), 'namespace'],
    [
      'dups threshold',
      (c) => c.listNearDuplicates({ namespace: 'x', minSimilarity: -0.1 }, auth),
      'min_similarity',
    ],
    [
      'dups page size',
      (c) => c.listNearDuplicates({ namespace: 'x', pageSize: 501 }, auth),
      'page_size',
    ],
    [
      'dups malformed token',
      (c) => c.listNearDuplicates({ namespace: 'x', pageToken: 'garbage!' }, auth),
      'page_token',
    ],
    [
      'env unknown window',
      (c) =>
        c.getEnvironmentContext(
          { namespace: 'a', targetType: 'b', targetName: 'c', window: 9 as never },
          auth,
        ),
      'window',
    ],
    [
      'env missing target',
      (c) => c.getEnvironmentContext({ namespace: 'a', targetType: 'b' }, auth),
      'target_name',
    ],
    [
      'rates unknown group_by',
      (c) => c.getWorkflowSuccessRates({ namespace: 'a', groupBy: 7 as never }, auth),
      'group_by',
    ],
    [
      'patterns min_occurrences',
      (c) =>
        c.getHistoricalPatterns({ namespace: 'a', targetType: 'b', minOccurrences: 20_000 }, auth),
      'min_occurrences',
    ],
    ['timeline without key', (c) => c.getRemediationTimeline({}, auth), 'key'],
    [
      'timeline empty name',
      (c) =>
        c.getRemediationTimeline(
          { key: { case: 'requestName', value: { namespace: 'a', name: '' } } },
          auth,
        ),
      'request_name.name',
    ],
    [
      'history unknown priority',
      (c) => c.listRemediationHistory({ priorities: [9 as never] }, auth),
      'priorities',
    ],
    [
      'history inverted range',
      (c) => c.listRemediationHistory({ createdAfter: ts(10), createdBefore: ts(5) }, auth),
      'created_before',
    ],
    [
      'history bad nanos',
      (c) => c.listRemediationHistory({ createdAfter: { seconds: 1n, nanos: -3 } }, auth),
      'created_after',
    ],
    [
      'history foreign token',
      (c) =>
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
    ['events without app', (c) => c.listAppEvents({}, auth), 'app_name'],
    [
      'events unknown severity',
      (c) => c.listAppEvents({ appName: 'a', minSeverity: 99 as never }, auth),
      'min_severity',
    ],
    [
      'events page size',
      (c) => c.listAppEvents({ appName: 'a', pageSize: 1001 }, auth),
      'page_size',
    ],
    [
      'metrics unknown type',
      (c) => c.getAppMetrics({ appName: 'a', metricTypes: [77 as never] }, auth),
      'metric_types',
    ],
    [
      'metrics window too long',
      (c) => c.getAppMetrics({ appName: 'a', window: ts(91 * 86400) }, auth),
      'window',
    ],
    [
      'metrics too many buckets',
      (c) => c.getAppMetrics({ appName: 'a', window: ts(86400), bucket: ts(1) }, auth),
      'bucket',
    ],
    [
      'metrics inverted range',
      (c) => c.getAppMetrics({ appName: 'a', since: ts(100), until: ts(50) }, auth),
      'until',
    ],
  ];

  test.for(cases)('%s', async ([, call, field], { contextClient }) => {
    await expectCode(call(contextClient), Code.InvalidArgument, field);
  });

  test('unknown ids are NotFound', async ({ contextClient: c }) => {
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
