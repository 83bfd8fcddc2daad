import {
  file_grpc_reflection_v1_reflection,
  file_grpc_reflection_v1alpha_reflection,
  file_health_v1_health,
} from '@autoserve/proto';
import { type DescFile, type DescService, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';

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

/**
 * Adds server reflection (v1 and v1alpha) listing our services, health and
 * reflection itself, so grpcurl and `buf curl` can discover everything.
 * All descriptors come from protoc-gen-es output: ours from our contracts,
 * health and reflection from the protos their npm packages ship (generated
 * by buf, as protoc would describe them; nothing is copied into the repo).
 */
export function addReflection(server: grpc.Server, services: DescService[]): void {
  const files = fileClosure([
    ...services.map((s) => s.file),
    file_health_v1_health,
    file_grpc_reflection_v1_reflection,
    file_grpc_reflection_v1alpha_reflection,
  ]);
  const packageDefinition = {
    autoserve: {
      fileDescriptorProtos: files.map((f) =>
        Buffer.from(toBinary(FileDescriptorProtoSchema, f.proto)),
      ),
    },
  } as unknown as ConstructorParameters<typeof ReflectionService>[0];
  new ReflectionService(packageDefinition).addToServer(server);
}
