import { createRequire } from 'node:module';
import { type DescFile, type DescService, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { normalizeShippedDescriptor } from './descriptor-fix.js';

const require = createRequire(import.meta.url);

/** Every file a service needs, dependencies first, each once. */
function fileClosure(files: DescFile[]): DescFile[] {
  const seen = new Set<string>();
  const out: DescFile[] = [];
  const visit = (file: DescFile) => {
    if (seen.has(file.name)) return;
    seen.add(file.name);
    for (const dep of file.dependencies) visit(dep);
    out.push(file);
  };
  for (const file of files) visit(file);
  return out;
}

/** Descriptors of the protos shipped by the health and reflection packages. */
function shippedProtoDescriptors(): Buffer[] {
  const healthProto = require.resolve('grpc-health-check/proto/health/v1/health.proto');
  const reflectionRoot = require
    .resolve('@grpc/reflection/package.json')
    .replace(/package\.json$/, 'build/proto');
  const definition = loadSync(
    [
      healthProto,
      'grpc/reflection/v1/reflection.proto',
      'grpc/reflection/v1alpha/reflection.proto',
    ],
    { includeDirs: [reflectionRoot] },
  );
  const out: Buffer[] = [];
  for (const entry of Object.values(definition)) {
    const protos = (entry as { fileDescriptorProtos?: Buffer[] }).fileDescriptorProtos;
    if (Array.isArray(protos)) out.push(...protos.map(normalizeShippedDescriptor));
  }
  return out;
}

/**
 * Adds server reflection (v1 and v1alpha) listing our services, health and
 * reflection itself, so grpcurl and `buf curl` can discover everything.
 * Descriptors come from the generated code and from the npm packages that
 * ship the health and reflection protos; nothing is copied into the repo.
 */
export function addReflection(server: grpc.Server, services: DescService[]): void {
  const ours = fileClosure(services.map((s) => s.file)).map((f) =>
    Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)),
  );
  const packageDefinition = {
    autoserve: { fileDescriptorProtos: [...ours, ...shippedProtoDescriptors()] },
  } as unknown as ConstructorParameters<typeof ReflectionService>[0];
  new ReflectionService(packageDefinition).addToServer(server);
}
