import { invalidArgument } from '@autoserve/runtime';

/** DNS-1123 label: the name becomes part of container and host names. */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks an app name (DNS-1123 label, 1..63 chars); the same rule as the table's CHECK. */
export function validateAppName(name: string, field = 'name'): string {
  if (name.length === 0) throw invalidArgument(field, 'is required');
  if (name.length > 63) throw invalidArgument(field, 'must be at most 63 characters');
  if (!DNS_1123_LABEL.test(name)) {
    throw invalidArgument(
      field,
      'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending with a letter or digit',
    );
  }
  return name;
}

/** Checks an idempotency key (0..128 printable ASCII characters; empty = none). */
export function validateRequestId(id: string, field = 'request_id'): string {
  if (id.length > 128) throw invalidArgument(field, 'must be at most 128 characters');
  if (!/^[\x21-\x7e]*$/.test(id))
    throw invalidArgument(field, 'must be printable ASCII without spaces');
  return id;
}
