import { common, context, scaler } from '@autoserve/proto';
import { create, type DescMessage, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { describe, expect } from 'vitest';
import { serviceTest } from '../../support/fixtures.js';
import { TOKENS } from '../../support/services.js';

const test = serviceTest();
const SCALER = '/autoserve.scaler.v1.ScalerService';
const CONTEXT = '/autoserve.context.v1.ContextService';
const INVALID_ARGUMENT = 3;
const RESOURCE_EXHAUSTED = 8;

function bytes<S extends DescMessage>(schema: S, init: MessageInitShape<S>): Buffer {
  return Buffer.from(toBinary(schema, create(schema, init)));
}

const nul = 'must not contain NUL (\\u0000)';

describe('hostile strings and sizes are refused at the edge', () => {
  const write = { authorization: `Bearer ${TOKENS.write}` };

  const spec = { image: 'busybox', command: ['httpd'] };
  const cases: [string, string, () => Buffer, string][] = [
    [
      'RegisterApp: map value in a nested message',
      `${SCALER}/RegisterApp`,
      () =>
        bytes(scaler.RegisterAppRequestSchema, {
          name: 'nul-env',
          spec: { ...spec, env: { A: 'x\0y' } },
        }),
      'spec.env["A"]',
    ],
    [
      'RegisterApp: map key',
      `${SCALER}/RegisterApp`,
      () =>
        bytes(scaler.RegisterAppRequestSchema, {
          name: 'nul-key',
          spec: { ...spec, labels: { 'k\0': 'v' } },
        }),
      'spec.labels["k\\u0000"]',
    ],
    [
      'RegisterApp: repeated string',
      `${SCALER}/RegisterApp`,
      () =>
        bytes(scaler.RegisterAppRequestSchema, {
          name: 'nul-args',
          spec: { ...spec, args: ['-f', '\0'] },
        }),
      'spec.args[1]',
    ],
    [
      'RecordRemediationRequest: map in a nested record',
      `${SCALER}/RecordRemediationRequest`,
      () =>
        bytes(scaler.RecordRemediationRequestRequestSchema, {
          record: { name: 'r', namespace: 'n', labels: { team: 'a\0' } },
        }),
      'record.labels["team"]',
    ],
    [
      'StoreIncidentEmbedding: oneof member',
      `${SCALER}/StoreIncidentEmbedding`,
      () =>
        bytes(scaler.StoreIncidentEmbeddingRequestSchema, {
          remediationRequestId: 1n,
          content: { case: 'text', value: 'disk\0full' },
        }),
      'text',
    ],
    [
      'IngestMetrics (raw bytes, own decoder): label value',
      `${SCALER}/IngestMetrics`,
      () =>
        bytes(scaler.IngestMetricsRequestSchema, {
          samples: [{ appName: 'web', metricType: 1, value: 1, labels: { team: 'a\0' } }],
        }),
      'samples[0].labels["team"]',
    ],
    [
      'IngestMetrics (raw bytes, own decoder): app name',
      `${SCALER}/IngestMetrics`,
      () =>
        bytes(scaler.IngestMetricsRequestSchema, {
          samples: [{ appName: 'w\0b', metricType: 1, value: 1 }],
        }),
      'samples[0].app_name',
    ],
    [
      'SearchSimilarIncidents: nested filter',
      `${CONTEXT}/SearchSimilarIncidents`,
      () =>
        bytes(context.SearchSimilarIncidentsRequestSchema, {
          query: { case: 'incidentId', value: 1n },
          filter: { namespace: 'prod\0' },
        }),
      'filter.namespace',
    ],
    [
      'ListRemediationHistory: top-level filter',
      `${CONTEXT}/ListRemediationHistory`,
      () =>
        bytes(context.ListRemediationHistoryRequestSchema, {
          environment: 'prod\0',
          phases: [common.RemediationPhase.PENDING],
        }),
      'environment',
    ],
  ];
  test.for(cases)(
    'NUL in %s is InvalidArgument naming the field',
    async ([, path, body, field], { rawScaler, rawContext }) => {
      const client = path.startsWith(SCALER) ? rawScaler : rawContext;
      const r = await client.rawUnary(path, body(), write);
      expect(r).toEqual({ code: INVALID_ARGUMENT, details: `${field}: ${nul}` });
    },
  );

  test('malformed protobuf is InvalidArgument, not Internal', async ({ rawScaler: s }) => {
    // Field 1 (name) claims 127 bytes that never come; then invalid UTF-8 in a string.
    for (const body of [Buffer.from([0x0a, 0x7f]), Buffer.from([0x0a, 0x02, 0xc3, 0x28])]) {
      const r = await s.rawUnary(`${SCALER}/GetApp`, body, write);
      expect(r.code).toBe(INVALID_ARGUMENT);
      expect(r.details).toMatch(/^request is not a valid autoserve\.scaler\.v1\.GetAppRequest/);
    }
  });

  test.for(['GetApp', 'RegisterApp', 'ScaleApp', 'UpdateApp'])(
    'a 1 MB name in %s is refused by the size limit before decoding',
    async (method, { rawScaler: s }) => {
      const name = 'a'.repeat(1 << 20);
      const body =
        method === 'RegisterApp'
          ? bytes(scaler.RegisterAppRequestSchema, { name: `${name}${name}`, spec })
          : bytes(scaler.GetAppRequestSchema, { name });
      const r = await s.rawUnary(`${SCALER}/${method}`, body, write);
      expect(r.code).toBe(RESOURCE_EXHAUSTED);
      expect(r.details).toMatch(new RegExp(`exceeds the \\d+-byte limit of ${method}$`));
    },
  );
});
