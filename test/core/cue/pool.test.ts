import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CuePool } from '../../../core/cue/pool.ts';
import { tempDir } from '../../fixtures/addons.ts';
import { rejectsCode } from '../../fixtures/errors.ts';

describe('CuePool', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let quick: string;
  let slow: string;
  const pools: CuePool[] = [];
  const pool = (options: ConstructorParameters<typeof CuePool>[0]) => {
    const p = new CuePool(options);
    pools.push(p);
    return p;
  };
  before(async () => {
    tmp = await tempDir();
    quick = join(tmp.dir, 'quick.cue');
    slow = join(tmp.dir, 'slow.cue');
    await writeFile(quick, 'a: 1\nb: a + 1\n');
    // 90,000 list elements built by a comprehension: minutes of work for CUE 0.4 in WASM.
    await writeFile(slow, 'import "list"\nx: [ for i in list.Range(0, 300, 1) for j in list.Range(0, 300, 1) { i * j } ]\n');
  });
  after(async () => {
    await Promise.all(pools.map((p) => p.close()));
    await tmp.cleanup();
  });

  test('a call over the timeout is killed with ECUE_TIMEOUT, and the next call still works', async () => {
    const p = pool({ size: 1, timeoutMs: 5000 });
    const t0 = performance.now();
    await rejectsCode(p.run('export', [slow]), 'ECUE_TIMEOUT', '5000 ms');
    assert.ok(performance.now() - t0 < 30_000, 'the slow call was not stopped');
    const next = await p.run('export', ['--out', 'json', quick]);
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(JSON.parse(next.stdout), { a: 1, b: 2 });
  });

  test('a full queue refuses new calls with ECUE_BUSY', async () => {
    const p = pool({ size: 1, maxQueue: 2 });
    const running = rejectsCode(p.run('export', [quick]), 'ECUE_CLOSED'); // taken by the worker at once
    const waiting = [p.run('export', [quick]), p.run('export', [quick])].map((w) => rejectsCode(w, 'ECUE_CLOSED')); // fill the queue
    assert.equal(p.pending, 2);
    await rejectsCode(p.run('export', [quick]), 'ECUE_BUSY', '2');
    await p.close();
    await Promise.all([running, ...waiting]);
  });

  test('a closed pool refuses calls with ECUE_CLOSED', async () => {
    const p = pool({ size: 1 });
    await p.close();
    await rejectsCode(p.run('export', [quick]), 'ECUE_CLOSED');
  });

  test('aborting a queued call rejects it and removes it from the queue', async () => {
    const p = pool({ size: 1 });
    const running = rejectsCode(p.run('export', [quick]), 'ECUE_CLOSED');
    const controller = new AbortController();
    const queued = p.run('export', [quick], controller.signal);
    assert.equal(p.pending, 1);
    controller.abort();
    await assert.rejects(queued, { name: 'AbortError' });
    assert.equal(p.pending, 0);
    await rejectsCode(p.run('export', [quick], AbortSignal.abort('not an Error')), 'EABORTED');
    await p.close();
    await running;
  });
});
