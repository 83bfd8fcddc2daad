import { ContextService, ScalerService } from '@autoserve/proto';
import { create, createFileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { methodScopes, requiredScope } from './scope.js';

/** A service whose one method carries no required_scope option. */
function unclassifiedService() {
  const file = create(FileDescriptorProtoSchema, {
    name: 'x/v1/x.proto',
    package: 'x.v1',
    syntax: 'proto3',
    messageType: [{ name: 'Empty' }],
    service: [
      {
        name: 'XService',
        method: [{ name: 'Do', inputType: '.x.v1.Empty', outputType: '.x.v1.Empty' }],
      },
    ],
  });
  const registry = createFileRegistry(file, () => undefined);
  return registry.getService('x.v1.XService')!;
}

describe('required scope from the contract', () => {
  it('reads the option of every RPC of both services', () => {
    const scaler = methodScopes(ScalerService);
    expect(scaler.get('RegisterApp')).toBe('write');
    expect(scaler.get('GetApp')).toBe('read');
    expect(scaler.get('StreamMetricsAcked')).toBe('write');
    expect([...methodScopes(ContextService).values()].every((s) => s === 'read')).toBe(true);
  });

  it('fails closed on a method without the option', () => {
    const svc = unclassifiedService();
    expect(() => requiredScope(svc.methods[0]!)).toThrow(/x\.v1\.XService\.Do declares no/);
  });
});
