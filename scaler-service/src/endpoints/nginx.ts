/** One endpoint as WatchEndpoints sends it. */
export interface UpstreamEndpoint {
  instanceId: bigint | number;
  replicaIndex: number;
  ip: string;
  port: number;
}

/**
 * An nginx `upstream` block for an app's endpoint set. nginx rejects an
 * upstream without servers, so an empty set renders one server marked
 * `down` (requests fail fast with 502 instead of nginx refusing the config).
 */
export function renderUpstream(
  app: string,
  endpoints: readonly UpstreamEndpoint[],
  meta: { revision: bigint | number; time: Date },
): string {
  const name = `autoserve_${app.replace(/[^a-z0-9]/g, '_')}`;
  const lines = [
    `# autoserve: healthy endpoints of app "${app}", revision ${meta.revision}, ${meta.time.toISOString()}`,
    `upstream ${name} {`,
  ];
  if (endpoints.length === 0) lines.push('    server 127.0.0.1:1 down; # no healthy instance');
  for (const e of endpoints) {
    lines.push(
      `    server ${e.ip}:${e.port}; # instance ${e.instanceId}, replica ${e.replicaIndex}`,
    );
  }
  lines.push('}', '');
  return lines.join('\n');
}
