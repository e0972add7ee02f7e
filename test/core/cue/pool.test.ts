import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { NativeCuePool } from '../../../core/cue/native-pool.ts';
import { CuePool } from '../../../core/cue/pool.ts';
import { nativeBuilt, testEngines } from '../../support/cue-engines.ts';
import { rejectsCode } from '../../support/errors.ts';

/** Every backend with the pool contract: the worker pool on each engine, and the CLI's native pool. */
const backends = testEngines.flatMap((engine) => (engine === 'wasm' ? ['CuePool'] : ['CuePool (native engine)', 'NativeCuePool']));

// The contract every backend keeps (timeouts, a full queue, closing, aborting), on each.
for (const backend of backends) {
  describe(backend, () => {
    const pools: Array<CuePool | NativeCuePool> = [];
    const pool = (options: ConstructorParameters<typeof CuePool>[0] = {}) => {
      const p = backend === 'NativeCuePool' ? new NativeCuePool(options) : new CuePool({ ...options, engine: backend === 'CuePool' ? 'wasm' : 'native' });
      pools.push(p);
      return p;
    };
    const request = (source: string) => JSON.stringify({ op: 'export', file: 'x.cue', source });
    const quick = request('a: 1\nb: a + 1\n');
    // A million list elements built by a comprehension: many seconds of work for CUE in WASM.
    const slow = request('import "list"\nx: [ for i in list.Range(0, 1000, 1) for j in list.Range(0, 1000, 1) { i * j } ]\n');
    after(() => Promise.all(pools.map((p) => p.close())));

    test('a call over the timeout is killed with ECUE_TIMEOUT, and the next call still works', async () => {
      const p = pool({ size: 1, timeoutMs: 5000 });
      const t0 = performance.now();
      await rejectsCode(p.run('v0.14', slow), 'ECUE_TIMEOUT', '5000 ms');
      assert.ok(performance.now() - t0 < 30_000, 'the slow call was not stopped');
      const next = JSON.parse(await p.run('v0.14', quick)) as { result?: unknown; diagnostics?: unknown };
      assert.deepEqual(next, { result: { a: 1, b: 2 } });
    });

    test('a full queue refuses new calls with ECUE_BUSY', async () => {
      const p = pool({ size: 1, maxQueue: 2 });
      const running = rejectsCode(p.run('v0.9', quick), 'ECUE_CLOSED'); // taken by the worker at once
      const waiting = [p.run('v0.9', quick), p.run('v0.9', quick)].map((w) => rejectsCode(w, 'ECUE_CLOSED')); // fill the queue
      assert.equal(p.pending, 2);
      await rejectsCode(p.run('v0.9', quick), 'ECUE_BUSY', '2');
      await p.close();
      await Promise.all([running, ...waiting]);
    });

    test('a closed pool refuses calls with ECUE_CLOSED', async () => {
      const p = pool({ size: 1 });
      await p.close();
      await rejectsCode(p.run('v0.9', quick), 'ECUE_CLOSED');
    });

    test('aborting a queued call rejects it and removes it from the queue', async () => {
      const p = pool({ size: 1 });
      const running = rejectsCode(p.run('v0.9', quick), 'ECUE_CLOSED');
      const controller = new AbortController();
      const queued = p.run('v0.9', quick, { signal: controller.signal });
      assert.equal(p.pending, 1);
      controller.abort();
      await assert.rejects(queued, { name: 'AbortError' });
      assert.equal(p.pending, 0);
      await rejectsCode(p.run('v0.9', quick, { signal: AbortSignal.abort('not an Error') }), 'EABORTED');
      await p.close();
      await running;
    });
  });
}

// The scheduling (reserved workers, priorities, fair shares) on each engine's workers.
for (const engine of testEngines) {
  describe(`CuePool priorities (${engine} engine)`, () => {
    const slow = JSON.stringify({ op: 'export', file: 'x.cue', source: 'import "list"\nx: [ for i in list.Range(0, 1500, 1) for j in list.Range(0, 1500, 1) { i * j } ]\n' });
    const quick = JSON.stringify({ op: 'export', file: 'x.cue', source: 'a: 1\n' });

    test('an interactive call runs on the reserved worker while batch calls fill the rest', async () => {
      const p = new CuePool({ size: 2, reservedForInteractive: 1, timeoutMs: 60_000, engine });
      try {
        await Promise.all([p.run('v0.9', quick, { priority: 'interactive' }), p.run('v0.9', quick, { priority: 'interactive' })]); // both workers started
        const controller = new AbortController();
        const batch = [p.run('v0.9', slow, { signal: controller.signal }), p.run('v0.9', slow, { signal: controller.signal })].map((b) => b.catch((e: Error) => e));
        assert.equal(p.pending, 1, 'the second batch call must wait: one worker is reserved');
        const t0 = performance.now();
        assert.deepEqual(JSON.parse(await p.run('v0.9', quick, { priority: 'interactive' })), { result: { a: 1 } });
        assert.ok(performance.now() - t0 < 2000, `the interactive call waited ${performance.now() - t0} ms`);
        controller.abort();
        const outcomes = await Promise.all(batch);
        for (const o of outcomes) assert.ok(o instanceof Error && o.name === 'AbortError', String(o));
      } finally {
        await p.close();
      }
    });

    test('aborting a running call stops it with its worker', async () => {
      const p = new CuePool({ size: 1, timeoutMs: 60_000, engine });
      try {
        const controller = new AbortController();
        const running = p.run('v0.9', slow, { signal: controller.signal });
        await new Promise((r) => setTimeout(r, 300));
        const t0 = performance.now();
        controller.abort();
        await assert.rejects(running, { name: 'AbortError' });
        assert.ok(performance.now() - t0 < 500);
        assert.deepEqual(JSON.parse(await p.run('v0.9', quick)), { result: { a: 1 } });
      } finally {
        await p.close();
      }
    });
  });

  describe(`CuePool: per-call limits and fair shares between groups (${engine} engine)`, () => {
    const slow = JSON.stringify({ op: 'export', file: 'x.cue', source: 'import "list"\nx: [ for i in list.Range(0, 1500, 1) for j in list.Range(0, 1500, 1) { i * j } ]\n' });
    const quick = JSON.stringify({ op: 'export', file: 'x.cue', source: 'a: 1\n' });

    test("a call's own timeoutMs stops it long before the pool's limit", async () => {
      const p = new CuePool({ size: 1, timeoutMs: 60_000, engine });
      try {
        await p.run('v0.9', quick);
        const t0 = performance.now();
        await rejectsCode(p.run('v0.9', slow, { timeoutMs: 500 }), 'ECUE_TIMEOUT', '500 ms');
        assert.ok(performance.now() - t0 < 5000, `stopped after ${performance.now() - t0} ms`);
        assert.deepEqual(JSON.parse(await p.run('v0.9', quick)), { result: { a: 1 } });
      } finally {
        await p.close();
      }
    });

    test('with one worker, a group that arrives runs before the queued calls of a group that has used the worker', async () => {
      const p = new CuePool({ size: 1, timeoutMs: 60_000, engine });
      try {
        await p.run('v0.9', quick);
        const finished: string[] = [];
        const track = (label: string, call: Promise<string>) => call.then(() => finished.push(label), () => finished.push(label));
        // Group a: three slow calls, each stopped at 700 ms.
        const a = [1, 2, 3].map((i) => track(`a${i}`, p.run('v0.9', slow, { group: 'a', timeoutMs: 700 })));
        await new Promise((r) => setTimeout(r, 200));
        const b = track('b', p.run('v0.9', quick, { group: 'b' }));
        await Promise.all([...a, b]);
        assert.deepEqual(finished.slice(0, 2), ['a1', 'b'], `finish order ${finished.join(', ')}: b waited behind a's queue`);
      } finally {
        await p.close();
      }
    });

    test('maxPerGroup keeps a worker free for another group while one group has many calls', async () => {
      const p = new CuePool({ size: 2, maxPerGroup: 1, timeoutMs: 60_000, engine });
      try {
        await Promise.all([p.run('v0.9', quick, { priority: 'interactive' }), p.run('v0.9', quick, { priority: 'interactive' })]); // both workers started
        const controller = new AbortController();
        const a = [1, 2, 3].map(() => p.run('v0.9', slow, { group: 'a', signal: controller.signal }).catch((e: Error) => e));
        assert.equal(p.pending, 2, "only one of a's calls runs");
        const t0 = performance.now();
        assert.deepEqual(JSON.parse(await p.run('v0.9', quick, { group: 'b' })), { result: { a: 1 } });
        assert.ok(performance.now() - t0 < 2000, `b's call waited ${(performance.now() - t0).toFixed(0)} ms`);
        controller.abort();
        for (const o of await Promise.all(a)) assert.ok(o instanceof Error && o.name === 'AbortError', String(o));
      } finally {
        await p.close();
      }
    });
  });
}

describe('NativeCuePool: its own processes', { skip: nativeBuilt ? false : 'the native engine is not built here' }, () => {
  const slow = JSON.stringify({ op: 'export', file: 'x.cue', source: 'import "list"\nx: [ for i in list.Range(0, 1000, 1) for j in list.Range(0, 1000, 1) { i * j } ]\n' });
  const quick = JSON.stringify({ op: 'export', file: 'x.cue', source: 'a: 1\n' });

  /** The engine processes this test process started (Linux: read from /proc). */
  function enginePids(): number[] {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((pid) => {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          return ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('engine-native');
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  for (const [name, make] of [
    ['NativeCuePool', () => new NativeCuePool({ timeoutMs: 60_000 })],
    ['a CuePool of one native worker', () => new CuePool({ size: 1, timeoutMs: 60_000, engine: 'native' })],
  ] as const) {
    test(`${name}: one process per line, started on first use; an engine that dies fails its call with ECUE_CRASH and the next call starts a new one`, { skip: existsSync('/proc/self/stat') ? false : 'needs /proc' }, async () => {
      const p = make();
      try {
        assert.deepEqual(enginePids(), []);
        await Promise.all([p.run('v0.9', quick), p.run('v0.14', quick), p.run('v0.9', quick)]);
        const [first, ...others] = enginePids();
        assert.equal(others.length, 1, 'one process per line');
        const running = p.run('v0.9', slow);
        await new Promise((r) => setTimeout(r, 200));
        for (const pid of [first!, ...others]) process.kill(pid, 'SIGKILL');
        await rejectsCode(running, 'ECUE_CRASH', 'SIGKILL');
        assert.deepEqual(JSON.parse(await p.run('v0.9', quick)), { result: { a: 1 } });
      } finally {
        await p.close();
      }
      assert.deepEqual(enginePids(), [], 'close() leaves no engine running');
    });
  }

  test("an engine process gets none of the server's environment (database URL, credentials)", { skip: existsSync('/proc/self/environ') ? false : 'needs /proc' }, async () => {
    process.env.VELAHUB_TEST_SECRET = 'do-not-pass';
    const p = new NativeCuePool();
    try {
      await p.run('v0.9', quick);
      const [pid] = enginePids();
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
      assert.ok(!environ.some((e) => e.startsWith('VELAHUB_TEST_SECRET=')), environ.join(' '));
      assert.ok(environ.some((e) => e.startsWith('GOGC=')));
    } finally {
      delete process.env.VELAHUB_TEST_SECRET;
      await p.close();
    }
  });

  test('an interactive call goes ahead of waiting batch calls', async () => {
    const p = new NativeCuePool({ timeoutMs: 60_000 });
    try {
      await p.run('v0.9', quick);
      const controller = new AbortController();
      const order: string[] = [];
      const running = p.run('v0.9', slow, { signal: controller.signal }).catch(() => order.push('slow'));
      const batch = p.run('v0.9', quick).then(() => order.push('batch'));
      const interactive = p.run('v0.9', quick, { priority: 'interactive' }).then(() => order.push('interactive'));
      assert.equal(p.pending, 2);
      controller.abort();
      await Promise.all([running, batch, interactive]);
      assert.deepEqual(order, ['slow', 'interactive', 'batch']);
    } finally {
      await p.close();
    }
  });

  test('a CLI that never closes its pool still exits at once, and its engine with it', { skip: existsSync('/proc/self/stat') ? false : 'needs /proc' }, async () => {
    // The child prints the answer and its engine's pid (its only child process), then just ends.
    const script = `import { readdirSync, readFileSync } from 'node:fs';
import { NativeCuePool } from ${JSON.stringify(new URL('../../../core/cue/native-pool.ts', import.meta.url).href)};
const answer = await new NativeCuePool().run('v0.9', ${JSON.stringify(quick)});
const engines = readdirSync('/proc').filter((d) => /^\\d+$/.test(d)).filter((d) => { try { const s = readFileSync('/proc/' + d + '/stat', 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === process.pid; } catch { return false; } });
console.log(JSON.stringify({ answer: JSON.parse(answer), engines }));`;
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 0);
    assert.ok(performance.now() - t0 < 10_000, `took ${performance.now() - t0} ms to exit`);
    const { answer, engines } = JSON.parse(out) as { answer: unknown; engines: string[] };
    assert.deepEqual(answer, { result: { a: 1 } });
    assert.equal(engines.length, 1, `engine processes: ${engines.join(', ')}`);
    // Its stdin closed with its parent: the engine reads the end and exits.
    const gone = Date.now() + 5000;
    while (existsSync(`/proc/${engines[0]}`) && !readFileSync(`/proc/${engines[0]}/stat`, 'utf8').includes(') Z') && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!existsSync(`/proc/${engines[0]}`) || readFileSync(`/proc/${engines[0]}/stat`, 'utf8').includes(') Z'), 'the engine outlived the CLI');
  });
});
