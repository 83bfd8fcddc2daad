import { fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  type DescriptorProto,
  type FieldDescriptorProto,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';

const camel = (s: string) => s.replace(/(?:^|_)([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * proto-loader (protobufjs) emits descriptors that strict resolvers reject:
 * map entries named after the field ("Statuses" instead of "StatusesEntry")
 * and type names relative to the message. buf curl and grpcurl (Go
 * protodesc) then cannot resolve e.g. grpc.health.v1.Health. Rewrites both
 * so the descriptor matches what protoc would produce.
 */
export function normalizeShippedDescriptor(bytes: Uint8Array): Buffer {
  const file = fromBinary(FileDescriptorProtoSchema, bytes);
  const pkg = file.package ? `.${file.package}` : '';
  // Every message's fully-qualified name, to qualify relative references.
  const known = new Set<string>();
  const collect = (messages: DescriptorProto[], scope: string) => {
    for (const m of messages) {
      known.add(`${scope}.${m.name}`);
      collect(m.nestedType, `${scope}.${m.name}`);
    }
  };
  const enums = (messages: DescriptorProto[], scope: string) => {
    for (const m of messages) {
      for (const e of m.enumType) known.add(`${scope}.${m.name}.${e.name}`);
      enums(m.nestedType, `${scope}.${m.name}`);
    }
  };
  const qualify = (name: string, scope: string): string => {
    if (!name || name.startsWith('.')) return name;
    // Innermost scope first, as protoc resolves.
    for (let s = scope; ; s = s.slice(0, s.lastIndexOf('.'))) {
      if (known.has(`${s}.${name}`)) return `${s}.${name}`;
      if (!s) return `.${name}`;
    }
  };
  const fixMessages = (messages: DescriptorProto[], scope: string) => {
    for (const m of messages) {
      const here = `${scope}.${m.name}`;
      for (const nested of m.nestedType) {
        if (!nested.options?.mapEntry || nested.name.endsWith('Entry')) continue;
        const field = m.field.find(
          (f: FieldDescriptorProto) =>
            f.typeName === nested.name || f.typeName === `${here}.${nested.name}`,
        );
        const entryName = `${camel(field?.name ?? nested.name)}Entry`;
        known.delete(`${here}.${nested.name}`);
        known.add(`${here}.${entryName}`);
        if (field) field.typeName = `${here}.${entryName}`;
        nested.name = entryName;
      }
      for (const f of m.field) if (f.typeName) f.typeName = qualify(f.typeName, here);
      fixMessages(m.nestedType, here);
    }
  };
  collect(file.messageType, pkg);
  enums(file.messageType, pkg);
  for (const e of file.enumType) known.add(`${pkg}.${e.name}`);
  fixMessages(file.messageType, pkg);
  for (const service of file.service) {
    for (const method of service.method) {
      method.inputType = qualify(method.inputType, pkg);
      method.outputType = qualify(method.outputType, pkg);
    }
  }
  return Buffer.from(toBinary(FileDescriptorProtoSchema, file));
}
