/**
 * The repository holds sources, not build output: no tracked file is an executable binary
 * (a Go test binary of 21 MB was once committed by accident). Binaries are built from the
 * sources they come from (npm install builds the CUE engine), so nobody ships one that no one
 * can rebuild and check.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Magic numbers of executable and loadable binaries, by the format they start. */
const executableMagic: Array<{ format: string; bytes: number[] }> = [
  { format: 'ELF', bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { format: 'Mach-O 32-bit', bytes: [0xfe, 0xed, 0xfa, 0xce] },
  { format: 'Mach-O 64-bit', bytes: [0xfe, 0xed, 0xfa, 0xcf] },
  { format: 'Mach-O 32-bit (little-endian)', bytes: [0xce, 0xfa, 0xed, 0xfe] },
  { format: 'Mach-O 64-bit (little-endian)', bytes: [0xcf, 0xfa, 0xed, 0xfe] },
  { format: 'Mach-O universal / Java class', bytes: [0xca, 0xfe, 0xba, 0xbe] },
  { format: 'WebAssembly', bytes: [0x00, 0x61, 0x73, 0x6d] },
];

/** The format of an executable binary starting with `head`, or undefined for anything else. */
function executableFormat(head: Buffer): string | undefined {
  const found = executableMagic.find((m) => m.bytes.every((b, i) => head[i] === b));
  if (found) return found.format;
  // "MZ" alone could open a text file; a DOS/PE executable also has NUL bytes in its header.
  if (head[0] === 0x4d && head[1] === 0x5a && head.includes(0)) return 'PE/DOS';
  return undefined;
}

/** The files git tracks (present in the working tree), or undefined outside a git checkout. */
function trackedFiles(): string[] | undefined {
  try {
    return execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}

const tracked = trackedFiles();

test('the magic check knows an executable from a text or archive', () => {
  assert.equal(executableFormat(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])), 'ELF');
  assert.equal(executableFormat(Buffer.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0])), 'WebAssembly');
  assert.equal(executableFormat(Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00])), 'PE/DOS');
  assert.equal(executableFormat(Buffer.from('MZ is how this README starts\n')), undefined);
  assert.equal(executableFormat(Buffer.from('#!/usr/bin/env node\n')), undefined);
  assert.equal(executableFormat(Buffer.from([0x1f, 0x8b, 0x08, 0x00])), undefined, 'a gzip archive is data, not a program');
});

test('no tracked file is an executable binary', { skip: tracked ? false : 'not a git checkout (git ls-files failed)' }, async () => {
  assert.ok(tracked!.length > 100, `git ls-files listed only ${tracked!.length} files`);
  const offences: string[] = [];
  for (const file of tracked!) {
    const path = join(root, file);
    // A file deleted in the working tree but not yet from the index has nothing to read.
    if (!existsSync(path)) continue;
    const handle = await open(path, 'r');
    try {
      const head = Buffer.alloc(64);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      const format = executableFormat(head.subarray(0, bytesRead));
      if (format) offences.push(`${file} (${format})`);
    } finally {
      await handle.close();
    }
  }
  assert.deepEqual(offences, [], 'build output is committed: `git rm` it and ignore it in .gitignore');
});
