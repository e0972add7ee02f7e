import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVelahubError, VelahubError } from '../../../core/errors.ts';
import { RenderQueue } from '../../../registry/http/render-queue.ts';

/** A render that ends when the test says so. */
function gate<T>(value: T) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, work: async () => (await opened, value) };
}

const deadline = { timeoutMs: 5_000, label: 'trait "demo"' };

describe('RenderQueue', () => {
  test('runs at most `concurrency` renders; the others wait their turn in order', async () => {
    const queue = new RenderQueue({ concurrency: 2, maxQueue: 5 });
    const gates = [gate(1), gate(2), gate(3), gate(4)];
    const started: number[] = [];
    const results = gates.map((g, i) => queue.run(async () => (started.push(i), g.work()), deadline));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1]);
    assert.equal(queue.running, 2);
    assert.equal(queue.waiting, 2);
    gates[1]!.open();
    await results[1];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [0, 1, 2]);
    assert.equal(queue.running, 2, 'the freed slot passed to a waiter');
    for (const g of gates) g.open();
    assert.deepEqual(await Promise.all(results), [1, 2, 3, 4]);
    assert.equal(queue.running, 0);
    assert.equal(queue.waiting, 0);
  });

  test('a full queue refuses at once with ECUE_BUSY (429 + Retry-After over HTTP)', async () => {
    const queue = new RenderQueue({ concurrency: 1, maxQueue: 1 });
    const g = gate('ok');
    const running = queue.run(g.work, deadline);
    const waiting = queue.run(g.work, deadline);
    await assert.rejects(queue.run(g.work, deadline), (err: unknown) => isVelahubError(err, 'ECUE_BUSY') && /1 running, 1 waiting/.test(err.message));
    g.open();
    assert.deepEqual(await Promise.all([running, waiting]), ['ok', 'ok']);
  });

  test('a render past its deadline rejects with ECUE_TIMEOUT and keeps its slot until it really ends', async () => {
    const queue = new RenderQueue({ concurrency: 1, maxQueue: 0 });
    const g = gate('late');
    await assert.rejects(queue.run(g.work, { timeoutMs: 20, label: 'trait "demo"' }), (err: unknown) => isVelahubError(err, 'ECUE_TIMEOUT') && /trait "demo" took longer than 20 ms/.test(err.message));
    assert.equal(queue.running, 1);
    await assert.rejects(queue.run(async () => 'next', deadline), (err: unknown) => isVelahubError(err, 'ECUE_BUSY'));
    g.open();
    await new Promise((r) => setImmediate(r));
    assert.equal(queue.running, 0);
    assert.equal(await queue.run(async () => 'next', deadline), 'next');
  });

  test('a failing render rejects with its own error and frees its slot', async () => {
    const queue = new RenderQueue({ concurrency: 1, maxQueue: 0 });
    await assert.rejects(queue.run(async () => { throw new VelahubError('ECUE', 'bad'); }, deadline), (err: unknown) => isVelahubError(err, 'ECUE'));
    assert.equal(queue.running, 0);
  });
});
