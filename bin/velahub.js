#!/usr/bin/env node
// Runs the compiled CLI (dist/, which `npm install` and `npm run build` write) while it is at
// least as new as every source it was compiled from; otherwise the TypeScript sources through
// tsx's loader, so a checkout with edits, or without a build, never runs stale code.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

function bundleIsFresh() {
  try {
    const { builtAt, sources } = JSON.parse(readFileSync(new URL('dist/sources.json', root), 'utf8'));
    return sources.every((file) => statSync(new URL(file, root)).mtimeMs <= builtAt);
  } catch {
    return false;
  }
}

if (bundleIsFresh()) {
  await import('../dist/velahub.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
