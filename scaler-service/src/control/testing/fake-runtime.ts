import { type Runtime, RuntimeError, type RuntimeInstance } from '../../runtime/types.js';

/**
 * An in-memory Runtime: create starts at once, `down(true)` makes every call
 * fail as an unreachable engine does, `crash(id)` makes an instance exit.
 */
export function createFakeRuntime() {
  const all = new Map<string, RuntimeInstance>();
  let n = 0;
  let engineDown = false;
  const calls: string[] = [];
  const reachable = (op: string) => {
    calls.push(op);
    if (engineDown) throw new RuntimeError('engine_down', 'container engine unreachable');
  };
  const runtime: Runtime = {
    kind: 'docker',
    async ping() {
      reachable('ping');
    },
    async create(spec) {
      reachable('create');
      const id = `fake-${++n}`;
      all.set(id, {
        id,
        name: spec.name,
        appName: spec.appName,
        replicaIndex: spec.replicaIndex,
        generation: spec.generation,
        port: spec.port,
        state: 'running',
        exitCode: undefined,
        startedAt: undefined,
      });
      return id;
    },
    async list() {
      reachable('list');
      return [...all.values()].map((i) => ({ ...i }));
    },
    async stop(id) {
      reachable('stop');
      const i = all.get(id);
      if (i) i.state = 'exited';
    },
    async remove(id) {
      reachable('remove');
      all.delete(id);
    },
    async stats() {
      return undefined;
    },
    async logs() {
      return '';
    },
    async close() {},
  };
  return Object.assign(runtime, {
    down(v: boolean) {
      engineDown = v;
    },
    instances: () => [...all.values()],
    calls,
  });
}
