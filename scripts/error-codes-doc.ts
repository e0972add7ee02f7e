/**
 * Writes the README's exit-code and error-code tables from the error catalogue
 * (core/error-codes.ts), between `<!-- error-codes:begin -->` and
 * `<!-- error-codes:end -->`. Run it with `npm run docs:errors`; a test fails
 * when README.md differs from what it would write.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorCodes, exitCodes, exitMeanings, type ErrorCode } from '../core/error-codes.ts';

/** The markers around the generated section in README.md. */
export const markers = { begin: '<!-- error-codes:begin -->', end: '<!-- error-codes:end -->' } as const;

/** The README this script rewrites. */
export const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));

/** The generated section, markers excluded. */
export function errorCodesSection(): string {
  const exits = (Object.keys(exitCodes) as Array<keyof typeof exitCodes>).map((k) => `| \`${exitCodes[k]}\` | ${exitMeanings[k]} |`);
  // Grouped by exit code, so the codes a script can meet for each status stand together.
  const codes = (Object.keys(errorCodes) as ErrorCode[])
    .map((code) => ({ ...errorCodes[code], code, exit: exitCodes[errorCodes[code].exit] }))
    .sort((a, b) => a.exit - b.exit || (a.code < b.code ? -1 : 1))
    .map((e) => `| \`${e.code}\` | ${e.exit} | ${e.http} | ${e.summary} |`);
  return [
    '### Exit codes and error codes',
    '',
    '<!-- Generated from core/error-codes.ts by `npm run docs:errors`: edit the catalogue, not these tables. -->',
    '',
    '| exit | meaning |',
    '|---|---|',
    ...exits,
    '',
    'Every error names a stable code: on the first line of stderr (`Error [ENOT_FOUND]: ...`, then',
    "`Hint: ...`) and as `code` (with `hint`) in the HTTP API's JSON error body. Scripts and tests",
    'match the code, not the wording.',
    '',
    '| code | exit | HTTP | meaning |',
    '|---|---|---|---|',
    ...codes,
  ].join('\n');
}

/** `readme` with the generated section replaced; throws when the markers are missing or out of order. */
export function withErrorCodes(readme: string): string {
  const begin = readme.indexOf(markers.begin);
  const end = readme.indexOf(markers.end);
  if (begin < 0 || end < begin) throw new Error(`README.md needs ${markers.begin} and then ${markers.end} around the exit-code section`);
  return `${readme.slice(0, begin + markers.begin.length)}\n${errorCodesSection()}\n${readme.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const before = await readFile(readmePath, 'utf8');
  const after = withErrorCodes(before);
  if (after !== before) await writeFile(readmePath, after);
  console.log(after === before ? 'README.md: error codes up to date' : 'README.md: error codes rewritten');
}
