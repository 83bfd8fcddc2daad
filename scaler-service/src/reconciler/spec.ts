import { randomBytes } from 'node:crypto';
import type { InstanceSpec } from '../runtime/types.js';
import type { AppSpecJson } from '../validation/spec.js';

/** "<app>-<replica>-<6 hex>": unique, and readable in `docker ps`. */
export function instanceName(app: string, replicaIndex: number): string {
  return `${app}-${replicaIndex}-${randomBytes(3).toString('hex')}`;
}

/** The runtime spec of one replica of an app. */
export function instanceSpec(
  app: string,
  spec: AppSpecJson,
  generation: string,
  replicaIndex: number,
  name: string,
  port: number,
): InstanceSpec {
  return {
    appName: app,
    replicaIndex,
    generation,
    name,
    image: spec.image,
    command: spec.command,
    args: spec.args,
    env: spec.env,
    port,
    cpuLimit: spec.cpu_limit,
    memoryLimitBytes: Number(spec.memory_limit_bytes),
    labels: spec.labels,
  };
}
