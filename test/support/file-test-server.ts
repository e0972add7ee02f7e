/**
 * A registry test server scoped to one test file, registered with node:test's hooks. Kept apart
 * from registry-server.ts so that benches importing the plain helpers do not start a test run.
 */
import { after, before } from 'node:test';
import { CueEvaluator } from '../../core/cue/evaluator.ts';
import { startTestServer, type TestServer } from './registry-server.ts';

/**
 * The test server of a whole test file, with a CUE evaluator of its own: started in a `before`
 * hook, closed (evaluator too) in an `after` hook. `srv` forwards to the running server, so test
 * bodies read `srv.url` as if they had started it themselves. Node 20 runs a file's top-level
 * `before` hooks side by side: a top-level hook that uses `srv` awaits `ready` first.
 */
export function testServerForFile(options: Omit<Parameters<typeof startTestServer>[0], 'cue'> = {}): { srv: TestServer; cue: CueEvaluator; ready: Promise<TestServer> } {
  const cue = new CueEvaluator();
  let running: TestServer | undefined;
  const ready = new Promise<TestServer>((resolve, reject) => {
    before(async () => {
      running = await startTestServer({ cue, ...options }).catch((err: unknown) => {
        reject(err);
        throw err;
      });
      resolve(running);
    });
  });
  // A failed start fails the hook; nobody need await `ready` to see it.
  ready.catch(() => {});
  after(async () => {
    await running?.close();
    await cue.close();
  });
  const srv = new Proxy({} as TestServer, {
    get(_target, key) {
      if (!running) throw new Error('the test server starts in a before hook: use it from tests, or await ready');
      return Reflect.get(running, key);
    },
  });
  return { srv, cue, ready };
}
