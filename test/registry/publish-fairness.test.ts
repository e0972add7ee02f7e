/**
 * A fair publish queue, over HTTP against the server's own CUE pool configuration
 * (serverCuePool): one token uploading packages whose definitions are slow CUE, in a loop,
 * does not hold up another token's ordinary publish; each slow definition is stopped at the
 * per-definition limit and refused naming its file. Before the fix an ordinary publish sent meanwhile waited for the
 * whole 60 s package budget of the slow one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CueEvaluator } from '../../core/cue/evaluator.ts';
import { CuePool } from '../../core/cue/pool.ts';
import { defaultCueBudget } from '../../core/package/inspect.ts';
import { serverCuePool } from '../../registry/registry.ts';
import { addonArchive, traitCue } from '../support/packages.ts';
import { startTestServer, type JsonResponse, type TestServer } from '../support/registry-server.ts';

/** A trait whose template spends seconds building 2.25 million list elements: far over the per-definition limit. */
function slowTrait(name: string): string {
  return `import "list"
"${name}": {
	type: "trait"
	description: "Spends seconds in a comprehension"
}
template: {
	_grid: [ for i in list.Range(0, 1500, 1) for j in list.Range(0, 1500, 1) { i * j } ]
	patch: metadata: annotations: n: "\\(len(_grid))"
	parameter: {}
}
`;
}

const cue = new CueEvaluator(new CuePool(serverCuePool));
let srv: TestServer;
before(async () => {
  srv = await startTestServer({ cue });
});
after(async () => {
  await srv?.close();
  await cue.close();
});

describe('one token publishing slow packages in a loop', () => {
  test("another token's ordinary publishes are answered within 5 s each; the slow ones are refused at the per-definition limit", async () => {
    const slowToken = (await srv.token({ scope: 'publish', pattern: 'slow-*' })).secret;
    const fairToken = (await srv.token({ scope: 'publish', pattern: 'fair-*' })).secret;
    let stop = false;
    let n = 0;
    const slowAnswers: Array<JsonResponse & { ms: number }> = [];
    // Two uploads in flight at all times: as many as a token may have running (publish-slots.ts).
    const loop = async () => {
      while (!stop) {
        const name = `slow-${n++}`;
        const archive = addonArchive(name, '1.0.0', { files: { 'definitions/slow.cue': slowTrait(name) } });
        const t0 = performance.now();
        const res = await srv.publish(archive, slowToken);
        slowAnswers.push({ ...res, ms: performance.now() - t0 });
      }
    };
    const loops = [loop(), loop()];
    // Let the slow uploads take the evaluator first.
    await new Promise((r) => setTimeout(r, 1500));

    const fairTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const archive = addonArchive(`fair-${i}`, '1.0.0', { files: { [`definitions/fair-${i}.cue`]: traitCue(`fair-${i}`, 'port: *80 | int') } });
      const t0 = performance.now();
      const res = await srv.publish(archive, fairToken);
      fairTimes.push(performance.now() - t0);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.ok(fairTimes[i]! < 5000, `ordinary publish ${i} took ${fairTimes[i]!.toFixed(0)} ms while the other token's slow uploads ran`);
    }
    stop = true;
    await Promise.all(loops);

    assert.ok(slowAnswers.length >= 2, `only ${slowAnswers.length} slow uploads were answered`);
    for (const res of slowAnswers) {
      assert.equal(res.status, 422, JSON.stringify(res.body).slice(0, 300));
      assert.equal(res.body.code, 'EINVALID');
      const problems = res.body.problems as Array<{ code: string; file: string; message: string }>;
      assert.ok(
        problems.some((p) => p.code === 'definition-too-slow' && p.file === 'definitions/slow.cue' && p.message.includes(`${defaultCueBudget.definitionMs / 1000} s per definition`)),
        JSON.stringify(problems),
      );
      // Refused by the per-definition limit, not by the package budget.
      assert.ok(res.ms < defaultCueBudget.totalMs, `a slow upload was answered after ${res.ms.toFixed(0)} ms`);
    }
  });
});
