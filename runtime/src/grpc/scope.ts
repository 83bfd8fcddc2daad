import { common } from '@autoserve/proto';
import { type DescMethod, type DescService, getOption, hasOption } from '@bufbuild/protobuf';
import type { Scope } from './context.js';

/**
 * The scope a method's token needs, read from the contract: every RPC declares
 * `option (autoserve.common.v1.required_scope)`. A method without it (or with
 * UNSPECIFIED) throws, so the server refuses to start rather than serve an
 * unclassified method with a guessed scope (fail closed).
 */
export function requiredScope(method: DescMethod): Scope {
  const scope = hasOption(method, common.required_scope)
    ? getOption(method, common.required_scope)
    : common.AuthScope.UNSPECIFIED;
  if (scope === common.AuthScope.READ) return 'read';
  if (scope === common.AuthScope.WRITE) return 'write';
  throw new Error(
    `${method.parent.typeName}.${method.name} declares no (autoserve.common.v1.required_scope): ` +
      'every RPC must say whether it needs the read or the write scope',
  );
}

/** Every method of a service with its required scope (for docs and the coverage test). */
export function methodScopes(service: DescService): Map<string, Scope> {
  return new Map(service.methods.map((m) => [m.name, requiredScope(m)]));
}
