import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { errorCodes, exitCodes, exitStatusOf, hintOf, httpStatusOf, isErrorCode } from '../../core/error-codes.ts';
import { remoteError, VelahubError } from '../../core/errors.ts';
import { readmePath, withErrorCodes } from '../../scripts/error-codes-doc.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const sourceDirs = ['core', 'registry', 'installer', 'cli', 'scripts'];

test('statuses are the ones the CLI and the API gave before the catalogue, client mistakes aside', () => {
  // [code, exit, HTTP]: pinned from cli/report.ts's code sets and registry/http/errors.ts's map and
  // regex; EVERSION_REQUIRED, ENOENT and ECUE were 500s until the client-mistake audit (below).
  const pinned: Array<[string, number, number]> = [
    ['EUSAGE', 2, 400],
    ['EBAD_SET', 2, 400],
    ['EVERSION_REQUIRED', 2, 400],
    ['ENOENT', 3, 404],
    ['ENOT_FOUND', 3, 404],
    ['EDEFINITION_NOT_FOUND', 3, 404],
    ['EUNAUTHORIZED', 4, 401],
    ['EFORBIDDEN', 4, 403],
    ['ECONFLICT', 4, 409],
    ['ECLUSTER', 4, 500],
    ['EINVALID', 1, 422],
    ['EPACKAGE_TOO_LARGE', 1, 413],
    ['ECUE_BUSY', 1, 429],
    ['EUNSAFE_PATH', 1, 400],
    ['ETOO_MANY_FILES', 1, 400],
    ['ECUE', 1, 422],
    ['EINTERNAL', 1, 500],
  ];
  for (const [code, exit, http] of pinned) {
    assert.equal(exitStatusOf(code), exit, `${code} exit status`);
    assert.equal(httpStatusOf(code), http, `${code} HTTP status`);
  }
});

test("a client's mistake is a 4xx, never a 500", () => {
  // Each was a 500 before: the request or input was at fault, not the server.
  const clientMistakes: Array<[string, number]> = [
    ['EVERSION_REQUIRED', 400],
    ['EUNKNOWN_SOURCE', 400],
    ['ENOTDIR', 400],
    ['ENOENT', 404],
    ['EIN_USE', 409],
    ['EEXIST', 409],
    ['EDEFINITION_CONFLICT', 409],
    ['EVERSION_NOT_BUMPED', 409],
    ['ECUE', 422],
    ['ECYCLE', 422],
    ['ERESOLVE', 422],
    ['ERESOLVE_TOO_COMPLEX', 422],
    ['ERENDER', 422],
    ['ETERRAFORM', 422],
    ['ELOCK_DIGEST', 422],
    ['ELOCK_DIVERGES', 422],
  ];
  for (const [code, http] of clientMistakes) assert.equal(httpStatusOf(code), http, code);
});

test('only failures of the server or of what it depends on answer 5xx', () => {
  // A new code is a client's 4xx unless it is listed here as the server's (or an upstream's) failure.
  const serverSide = new Set(['EABORTED', 'EBLOB_CORRUPT', 'EBLOB_STORE', 'ECLUSTER', 'ECUE_CLOSED', 'ECUE_CRASH', 'ECUE_ENGINE_MISSING', 'EDIGEST', 'EINTERNAL', 'EREGISTRY', 'ETIMEOUT', 'EUNREACHABLE']);
  for (const [code, e] of Object.entries(errorCodes)) {
    if (serverSide.has(code)) assert.ok(e.http >= 500, `${code} is the server's failure: HTTP ${e.http}`);
    else assert.ok(e.http >= 400 && e.http < 500, `${code} is the client's: HTTP ${e.http}, expected a 4xx`);
    // Wrong flags and missing things are the caller's by definition.
    if (e.exit === 'usage' || e.exit === 'notFound') assert.ok(e.http < 500, `${code} (exit ${e.exit}) answers ${e.http}`);
  }
});

test('a code from another registry version that the catalogue lacks exits 1 and is a 500', () => {
  assert.equal(isErrorCode('ENEW_IN_A_LATER_VERSION'), false);
  assert.equal(exitStatusOf('ENEW_IN_A_LATER_VERSION'), exitCodes.invalid);
  assert.equal(httpStatusOf('ENEW_IN_A_LATER_VERSION'), 500);
  const err = remoteError('ENEW_IN_A_LATER_VERSION', 'x');
  assert.equal(err.code, 'ENEW_IN_A_LATER_VERSION');
  assert.equal(hintOf(err), undefined);
  assert.equal(isErrorCode('toString'), false, 'only own keys are codes');
});

test("a throw's own hint wins over its code's default", () => {
  assert.equal(hintOf(new VelahubError('ENOT_FOUND', 'x', { hint: 'try y' })), 'try y');
  assert.equal(hintOf(new VelahubError('ENOT_FOUND', 'x')), errorCodes.ENOT_FOUND.hint);
});

test('every entry has an exit class, an error status, a summary and a hint; codes are sorted', () => {
  const codes = Object.keys(errorCodes);
  assert.deepEqual(codes, [...codes].sort(), 'keep the catalogue sorted by code');
  for (const [code, e] of Object.entries(errorCodes)) {
    assert.match(code, /^E[A-Z][A-Z0-9_]*$/);
    assert.ok(exitStatusOf(code) > exitCodes.ok && exitStatusOf(code) < exitCodes.internal, `${code}: exit class ${e.exit}`);
    assert.ok(Number.isInteger(e.http) && e.http >= 400 && e.http <= 599, `${code}: HTTP ${e.http}`);
    assert.ok(e.summary.trim() && !e.summary.endsWith('.'), `${code}: one-line summary without a trailing period`);
    assert.ok(e.hint.trim() && !e.hint.endsWith('.'), `${code}: a hint without a trailing period`);
    assert.doesNotMatch(`${e.summary}${e.hint}`, /\n|\|/, `${code}: one line, no "|" (the README table)`);
  }
});

interface Found {
  code: string;
  where: string;
}

/** Every code-like string literal in the source tree, and which of them produce an error's code. */
function scanSources(): { produced: Found[]; mentioned: Found[] } {
  const codeLiteral = /(['"`])(E[A-Z][A-Z0-9_]+)\1/g;
  // A code is produced where it is a call's first argument (`new VelahubError('X'`, `refuse('X'`),
  // a property value (`code: 'X'`) or a ternary arm (`? 'X' : 'Y'`).
  const producing = [/[\w$]\(\s*(['"`])(E[A-Z][A-Z0-9_]+)\1/g, /[?:]\s*(['"`])(E[A-Z][A-Z0-9_]+)\1/g];
  const produced: Found[] = [];
  const mentioned: Found[] = [];
  for (const dir of sourceDirs) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (!entry.endsWith('.ts')) continue;
      const file = join(root, dir, entry);
      const text = readFileSync(file, 'utf8');
      const where = (index: number) => `${relative(root, file)}:${text.slice(0, index).split('\n').length}`;
      for (const m of text.matchAll(codeLiteral)) mentioned.push({ code: m[2]!, where: where(m.index) });
      for (const re of producing) for (const m of text.matchAll(re)) produced.push({ code: m[2]!, where: where(m.index + m[0].indexOf(m[1]!)) });
    }
  }
  return { produced, mentioned };
}

test('every code the source tree throws or builds is in the catalogue, and every entry is thrown', () => {
  const { produced, mentioned } = scanSources();
  assert.ok(produced.length > 150, `the scan found only ${produced.length} produced codes: is it still reading the sources?`);

  const missing = produced.filter((f) => !isErrorCode(f.code));
  assert.deepEqual(missing.map((f) => `${f.where}: ${f.code}`), [], 'codes thrown but missing from core/error-codes.ts: add an entry for each');

  // Other mentions compare codes (`err.code === 'X'`, `isVelahubError(err, 'X')`); Node's own errno
  // names (`err.code === 'ENOENT'` from fs) and CUE's parser wording are not velahub's.
  const notOurs = new Set([...Object.keys(constants.errno), 'EOF']);
  const unknown = mentioned.filter((f) => !isErrorCode(f.code) && !notOurs.has(f.code));
  assert.deepEqual(unknown.map((f) => `${f.where}: ${f.code}`), [], 'code-like literals that are not in core/error-codes.ts (a typo, or a missing entry)');

  const thrown = new Set(produced.map((f) => f.code));
  const dead = Object.keys(errorCodes).filter((code) => !thrown.has(code));
  assert.deepEqual(dead, [], 'catalogue entries that nothing throws: remove them from core/error-codes.ts');
});

test('README.md lists the catalogue as scripts/error-codes-doc.ts writes it', () => {
  const readme = readFileSync(readmePath, 'utf8');
  assert.ok(readme === withErrorCodes(readme), 'README.md is out of date with core/error-codes.ts: run `npm run docs:errors`');
});
