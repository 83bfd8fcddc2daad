import { type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';
import {
  type ReflectList,
  type ReflectMap,
  type ReflectMessage,
  reflect,
} from '@bufbuild/protobuf/reflect';
import { Code, ConnectError } from '@connectrpc/connect';

// Messages nest this deep at most in our contracts (Struct-like recursion aside).
const MAX_DEPTH = 32;

/**
 * The problem with a string field's content, or undefined when it is fine.
 * PostgreSQL rejects NUL in text and jsonb, and a lone surrogate cannot be
 * encoded as UTF-8 (nor sent back in a status message): both are the
 * caller's fault, whatever the field.
 */
export function stringProblem(value: string): string | undefined {
  if (value.includes('\0')) return 'must not contain NUL (\\u0000)';
  if (!value.isWellFormed()) return 'must be valid UTF-8 (lone surrogate)';
  return undefined;
}

function fail(path: string, problem: string): never {
  throw new ConnectError(`${path}: ${problem}`, Code.InvalidArgument);
}

function checkString(value: unknown, path: string): void {
  if (typeof value !== 'string') return;
  const problem = stringProblem(value);
  if (problem) fail(path, problem);
}

const isString = (field: DescField) =>
  (field.fieldKind === 'scalar' && field.scalar === ScalarType.STRING) ||
  (field.fieldKind === 'list' && field.listKind === 'scalar' && field.scalar === ScalarType.STRING);

function walk(msg: ReflectMessage, prefix: string, depth: number): void {
  if (depth > MAX_DEPTH) fail(prefix, `nests deeper than ${MAX_DEPTH} messages`);
  for (const field of msg.fields) {
    if (!msg.isSet(field)) continue;
    const path = prefix ? `${prefix}.${field.name}` : field.name;
    switch (field.fieldKind) {
      case 'scalar':
        if (isString(field)) checkString(msg.get(field), path);
        break;
      case 'message':
        walk(msg.get(field) as ReflectMessage, path, depth + 1);
        break;
      case 'list': {
        // A list of numbers holds no string: not iterated (a query vector is 1536 of them).
        if (field.listKind === 'scalar' && !isString(field)) break;
        const list = msg.get(field) as ReflectList;
        let i = 0;
        for (const item of list) {
          if (field.listKind === 'message')
            walk(item as ReflectMessage, `${path}[${i}]`, depth + 1);
          else if (isString(field)) checkString(item, `${path}[${i}]`);
          i++;
        }
        break;
      }
      case 'map':
        for (const [key, value] of msg.get(field) as ReflectMap) {
          // JSON.stringify escapes NUL and lone surrogates, so the path itself is safe to send.
          const entry = `${path}[${JSON.stringify(key)}]`;
          checkString(key, entry);
          if (field.mapKind === 'message') walk(value as ReflectMessage, entry, depth + 1);
          else if (field.mapKind === 'scalar' && field.scalar === ScalarType.STRING)
            checkString(value, entry);
        }
        break;
      default:
        break;
    }
  }
}

/**
 * Checks every string of a decoded message (scalars, repeated, map keys and
 * values, nested messages, oneof members) for NUL and lone surrogates, and
 * throws InvalidArgument naming the field path (`spec.env["K"]`,
 * `samples[3].labels key`). Generic over the descriptor, so a new RPC or
 * field is covered without anyone remembering to add a check.
 */
export function checkStrings(schema: DescMessage, message: unknown): void {
  walk(reflect(schema, message as never), '', 0);
}
