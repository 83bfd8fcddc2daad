import { randomBytes } from 'node:crypto';
import type { InstanceSpec } from '../runtime/types.js';
import type { AppSpecJson } from '../validation/spec.js';
import type { ImagePin } from './image-pin.js';

/** "<app>-<replica>-<6 hex>": unique, and readable in `docker ps`. */
export function instanceName(app: string, replicaIndex: number): string {
  return `${app}-${replicaIndex}-${randomBytes(3).toString('hex')}`;
}

/** The runtime spec of one replica of an app; with a pin, it starts the generation's digest. */
export function instanceSpec(
  app: string,
  spec: AppSpecJson,
  generation: string,
  replicaIndex: number,
  name: string,
  port: number,
  pin?: ImagePin,
): InstanceSpec {
  return {
    appName: app,
    replicaIndex,
    generation,
    name,
    image: pin?.ref ?? spec.image,
    imageName: spec.image,
    imageDigest: pin?.digest,
    ...(pin ? { pullPolicy: pin.policy } : {}),
    command: spec.command,
    args: spec.args,
    env: spec.env,
    port,
    cpuLimit: spec.cpu_limit,
    memoryLimitBytes: Number(spec.memory_limit_bytes),
    labels: spec.labels,
  };
}
