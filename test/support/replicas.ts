/** Several whole daemons on one Redis key prefix, as replicas run: started together, stopped and cleaned up together. */
import { startTestApp, type TestApp, type TestAppOptions } from './app.js';
import { deleteByPrefix, randomPrefix } from './redis.js';

export interface Replicas {
  /** The daemons started so far (in order). */
  readonly apps: TestApp[];
  readonly prefix: string;
  /** Starts `n` more on the shared prefix. */
  start(n: number, options?: Omit<TestAppOptions, 'prefix'>): Promise<TestApp[]>;
  /** Stops them all (each keeps the keys for the others) and then deletes the prefix's keys. */
  stop(): Promise<void>;
}

export function replicas(): Replicas {
  const apps: TestApp[] = [];
  const prefix = randomPrefix();
  return {
    apps,
    prefix,
    async start(n, options = {}) {
      for (let i = 0; i < n; i++) apps.push(await startTestApp({ ...options, prefix }));
      return apps;
    },
    async stop() {
      for (const a of apps.splice(0)) await a.stop({ keep: true });
      await deleteByPrefix(prefix);
    },
  };
}
