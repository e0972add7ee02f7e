/**
 * `velahub registry add|list|remove`: the installer's registries kept in the config file, in
 * priority order; every bad input refused with exit 2 or 3 and the file left as it was.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import type { ErrorCode } from '../../../core/error-codes.ts';
import { assertFailed, describeRun, velahubInProcess } from '../../support/cli.ts';

let dir: string;
let config: string;
const saved = process.env.VELAHUB_CONFIG;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'velahub-registries-'));
  config = join(dir, 'config.yaml');
  process.env.VELAHUB_CONFIG = config;
});
after(async () => {
  if (saved === undefined) delete process.env.VELAHUB_CONFIG;
  else process.env.VELAHUB_CONFIG = saved;
  await rm(dir, { recursive: true, force: true });
});

const registries = async () => (parse(await readFile(config, 'utf8')) as { registries: Array<{ name: string; url: string; token?: string }> }).registries;

describe('velahub registry', () => {
  test('add keeps priority order (--priority inserts), stores a token only in the 0600 file, list shows it without the token', async () => {
    for (const args of [['add', 'main', 'http://main.example:8080/'], ['add', 'backup', 'http://backup.example'], ['add', 'private', 'https://private.example', '--token', 'vh_secret', '--priority', '1']]) {
      const r = await velahubInProcess(['registry', ...args]);
      assert.equal(r.code, 0, describeRun(r));
    }
    assert.deepEqual(await registries(), [
      { name: 'private', url: 'https://private.example', token: 'vh_secret' },
      { name: 'main', url: 'http://main.example:8080' },
      { name: 'backup', url: 'http://backup.example' },
    ]);
    assert.equal((await stat(config)).mode & 0o777, 0o600);
    const list = await velahubInProcess(['registry', 'list', '-o', 'json']);
    assert.equal(list.code, 0, describeRun(list));
    assert.deepEqual(JSON.parse(list.stdout), [
      { priority: 1, name: 'private', url: 'https://private.example', auth: 'token' },
      { priority: 2, name: 'main', url: 'http://main.example:8080', auth: 'none' },
      { priority: 3, name: 'backup', url: 'http://backup.example', auth: 'none' },
    ]);
    assert.doesNotMatch(list.stdout, /vh_secret/);
  });

  const refused: Array<{ name: string; args: string[]; code: number; error: ErrorCode; mentions: string[] }> = [
    { name: 'an invalid registry name', args: ['add', 'Bad_Name', 'http://x'], code: 2, error: 'EUSAGE', mentions: ['"Bad_Name"'] },
    { name: 'a URL that is not http(s)', args: ['add', 'ftp', 'ftp://x'], code: 2, error: 'EUSAGE', mentions: ['ftp://x'] },
    { name: 'a URL that does not parse', args: ['add', 'junk', 'not a url'], code: 2, error: 'EUSAGE', mentions: ['not a url'] },
    { name: 'a priority that is not a whole number', args: ['add', 'prio', 'http://x', '--priority', 'first'], code: 2, error: 'EUSAGE', mentions: ['--priority "first"'] },
    { name: 'removing a registry that is not there', args: ['remove', 'nope'], code: 3, error: 'ENOT_FOUND', mentions: ['"nope"'] },
  ];
  for (const row of refused) {
    test(`${row.name}: exit ${row.code}, config unchanged`, async () => {
      const before = await readFile(config, 'utf8');
      const r = await velahubInProcess(['registry', ...row.args]);
      assertFailed(r, { code: row.error, exit: row.code, mentions: row.mentions });
      assert.equal(await readFile(config, 'utf8'), before);
    });
  }

  test('remove drops one and keeps the order of the rest', async () => {
    const r = await velahubInProcess(['registry', 'remove', 'main']);
    assert.equal(r.code, 0, describeRun(r));
    assert.deepEqual((await registries()).map((x) => x.name), ['private', 'backup']);
  });
});
