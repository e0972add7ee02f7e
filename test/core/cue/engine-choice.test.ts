import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { engineFor, OneShotCueRunner, parseEngineSetting, poolEngineFor } from '../../../core/cue/engine-choice.ts';
import { nativeEngineCurrent } from '../../../core/cue/native-build.ts';
import { assertFailed, velahubInProcess } from '../../support/cli.ts';
import { useCliEngine } from '../../support/cue-engines.ts';
import { rejectsCode, throwsCode } from '../../support/errors.ts';

describe('VELAHUB_CUE_ENGINE', () => {
  for (const [value, setting] of [
    [undefined, 'auto'],
    ['', 'auto'],
    ['auto', 'auto'],
    ['native', 'native'],
    [' WASM ', 'wasm'],
  ] as const) {
    test(`${JSON.stringify(value)} means ${setting}`, () => assert.equal(parseEngineSetting(value), setting));
  }

  test('any other value is refused with EUSAGE, naming it', () => {
    throwsCode(() => parseEngineSetting('go'), 'EUSAGE', 'VELAHUB_CUE_ENGINE', '"go"');
  });

  test('a forced engine is used as forced; auto takes the native one exactly when it is built and current', () => {
    for (const line of ['v0.9', 'v0.14'] as const) {
      assert.equal(engineFor(line, 'wasm'), 'wasm');
      assert.equal(engineFor(line, 'native'), 'native');
      assert.equal(engineFor(line, 'auto'), nativeEngineCurrent(line) ? 'native' : 'wasm');
    }
  });

  test("the server's pool takes the native engine only when every line's is built (a worker serves every line)", () => {
    assert.equal(poolEngineFor('wasm'), 'wasm');
    assert.equal(poolEngineFor('native'), 'native');
    assert.equal(poolEngineFor('auto'), nativeEngineCurrent('v0.9') && nativeEngineCurrent('v0.14') ? 'native' : 'wasm');
  });

  test('the CLI refuses a bad value before evaluating, exit 2', async () => {
    const restore = useCliEngine('bogus' as 'wasm');
    try {
      assertFailed(await velahubInProcess(['show', 'addons/hpa-trait', 'hpa-trait']), { code: 'EUSAGE', exit: 2, mentions: ['VELAHUB_CUE_ENGINE'] });
    } finally {
      restore();
    }
  });

  test('a closed runner refuses calls with ECUE_CLOSED', async () => {
    const runner = new OneShotCueRunner('auto');
    await runner.close();
    await rejectsCode(runner.run('v0.9', JSON.stringify({ op: 'version' })), 'ECUE_CLOSED');
  });
});
