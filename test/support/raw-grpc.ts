import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

/**
 * An independent grpc-js client (dynamic proto-loader stubs, not our
 * generated code) for health and reflection, built from the protos the npm
 * packages ship.
 */
export function rawClients(address: string) {
  const healthProto = require.resolve('grpc-health-check/proto/health/v1/health.proto');
  const reflectionRoot = require
    .resolve('@grpc/reflection/package.json')
    .replace(/package\.json$/, 'build/proto');
  const def = loadSync(
    [
      healthProto,
      'grpc/reflection/v1/reflection.proto',
      'grpc/reflection/v1alpha/reflection.proto',
    ],
    {
      includeDirs: [reflectionRoot],
      keepCase: true,
      longs: String,
      defaults: true,
      enums: String,
    },
  );
  const loaded = grpc.loadPackageDefinition(def) as unknown as {
    grpc: {
      health: { v1: { Health: grpc.ServiceClientConstructor } };
      reflection: {
        v1: { ServerReflection: grpc.ServiceClientConstructor };
        v1alpha: { ServerReflection: grpc.ServiceClientConstructor };
      };
    };
  };
  const creds = grpc.credentials.createInsecure();
  const health = new loaded.grpc.health.v1.Health(address, creds);
  const reflectionV1 = new loaded.grpc.reflection.v1.ServerReflection(address, creds);
  const reflectionV1alpha = new loaded.grpc.reflection.v1alpha.ServerReflection(address, creds);

  return {
    /** grpc.health.v1.Health/Check; resolves the status name or rejects with the gRPC error. */
    check(service = '', deadlineMs = 2000): Promise<string> {
      return new Promise((resolve, reject) => {
        (health as unknown as Record<string, (...a: unknown[]) => void>).Check!(
          { service },
          { deadline: Date.now() + deadlineMs },
          (err: grpc.ServiceError | null, res: { status: string }) =>
            err ? reject(err) : resolve(res.status),
        );
      });
    },
    /** Service names listed by reflection (v1 or v1alpha). */
    listServices(version: 'v1' | 'v1alpha' = 'v1'): Promise<string[]> {
      const client = version === 'v1' ? reflectionV1 : reflectionV1alpha;
      return new Promise((resolve, reject) => {
        const call = (
          client as unknown as Record<string, () => grpc.ClientDuplexStream<unknown, unknown>>
        ).ServerReflectionInfo!();
        call.on('data', (res: { list_services_response?: { service: { name: string }[] } }) => {
          resolve((res.list_services_response?.service ?? []).map((s) => s.name));
          call.end();
        });
        call.on('error', reject);
        call.write({ list_services: '' });
      });
    },
    /** Resolves a symbol to the names of the files describing it. */
    fileContainingSymbol(symbol: string): Promise<number> {
      return new Promise((resolve, reject) => {
        const call = (
          reflectionV1 as unknown as Record<string, () => grpc.ClientDuplexStream<unknown, unknown>>
        ).ServerReflectionInfo!();
        call.on(
          'data',
          (res: {
            file_descriptor_response?: { file_descriptor_proto: Buffer[] };
            error_response?: { error_message: string };
          }) => {
            if (res.error_response) reject(new Error(res.error_response.error_message));
            else resolve(res.file_descriptor_response?.file_descriptor_proto.length ?? 0);
            call.end();
          },
        );
        call.on('error', reject);
        call.write({ file_containing_symbol: symbol });
      });
    },
    /** grpc.health.v1.Health/Watch; the call emits 'data' ({ status }) and 'error'. */
    watch(service = ''): grpc.ClientReadableStream<{ status: string }> {
      return (
        health as unknown as Record<
          string,
          (req: unknown) => grpc.ClientReadableStream<{ status: string }>
        >
      ).Watch!({ service });
    },
    /** Calls a unary method by path with raw bytes and metadata; resolves the status code. */
    rawUnary(
      path: string,
      body: Buffer,
      metadata: Record<string, string> = {},
      deadlineMs = 5000,
    ): Promise<{ code: number; details: string }> {
      const client = new grpc.Client(address, creds);
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(metadata)) md.set(k, v);
      return new Promise((resolve) => {
        client.makeUnaryRequest(
          path,
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          md,
          { deadline: Date.now() + deadlineMs },
          (err) => {
            client.close();
            resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' });
          },
        );
      });
    },
    close() {
      health.close();
      reflectionV1.close();
      reflectionV1alpha.close();
    },
  };
}
