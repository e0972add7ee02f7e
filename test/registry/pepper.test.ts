/** Where the token-hash pepper comes from (registry/pepper.ts), with real files in a temp folder. */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadTokenPepper } from '../../registry/pepper.ts';
import { tempDir } from '../support/addons.ts';
import { rejectsCode } from '../support/errors.ts';

describe('loadTokenPepper', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir('velahub-pepper-');
  });
  after(async () => {
    await tmp.cleanup();
  });

  test('VELAHUB_TOKEN_PEPPER is used as given', async () => {
    const value = 'x'.repeat(40);
    assert.deepEqual(await loadTokenPepper({ VELAHUB_TOKEN_PEPPER: value, XDG_CONFIG_HOME: tmp.dir }), Buffer.from(value));
  });

  test('a short VELAHUB_TOKEN_PEPPER is EUSAGE naming the variable and the minimum', async () => {
    await rejectsCode(loadTokenPepper({ VELAHUB_TOKEN_PEPPER: 'short' }), 'EUSAGE', 'VELAHUB_TOKEN_PEPPER', '32');
  });

  test('without one, a random pepper is created once in ~/.config/velahub/token-pepper (0600, folder 0700) and reused', async () => {
    const env = { XDG_CONFIG_HOME: join(tmp.dir, 'config') };
    const first = await loadTokenPepper(env);
    const file = join(tmp.dir, 'config', 'velahub', 'token-pepper');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(tmp.dir, 'config', 'velahub'))).mode & 0o777, 0o700);
    assert.match(await readFile(file, 'utf8'), /^[0-9a-f]{64}\n$/);
    assert.deepEqual(await loadTokenPepper(env), first);
  });

  test('a pepper file that cannot be created is EUSAGE naming it', async () => {
    const blocker = join(tmp.dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    await rejectsCode(loadTokenPepper({ VELAHUB_TOKEN_PEPPER_FILE: join(blocker, 'pepper') }), 'EUSAGE', join(blocker, 'pepper'));
  });

  test('VELAHUB_TOKEN_PEPPER_FILE names another file; one too short is EUSAGE naming it', async () => {
    const file = join(tmp.dir, 'secrets', 'pepper');
    await mkdir(join(tmp.dir, 'secrets'));
    await writeFile(file, 'tiny\n');
    await rejectsCode(loadTokenPepper({ VELAHUB_TOKEN_PEPPER_FILE: file }), 'EUSAGE', file, '32');
  });
});
