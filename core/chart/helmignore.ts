import type { PackageFiles } from '../package/files.ts';
import { textOf } from '../package/files.ts';

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  /** Matched against the whole path when the pattern has a `/`, else against each path segment. */
  anchored: boolean;
  re: RegExp;
}

/** A glob segment (`*`, `?`, `[...]`) as a regular expression, as Go's filepath.Match reads it. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function parseRules(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith('/');
    line = line.replace(/^\/+|\/+$/g, '');
    if (!line) continue;
    rules.push({ negate, dirOnly, anchored: line.includes('/'), re: globToRegExp(line) });
  }
  return rules;
}

function ruleMatches(rule: Rule, path: string): boolean {
  const parts = path.split('/');
  // A file is ignored when it, or a folder it sits in, matches.
  for (let i = 1; i <= parts.length; i++) {
    const isDir = i < parts.length;
    if (rule.dirOnly && !isDir) continue;
    const candidate = rule.anchored ? parts.slice(0, i).join('/') : parts[i - 1]!;
    if (rule.re.test(candidate)) return true;
  }
  return false;
}

/**
 * The files `helm package` would take from a chart folder: those not matched by
 * its `.helmignore` (Helm's rules: `#` comments, `!` negation, a trailing `/`
 * for folders, patterns with a `/` matched from the chart root, others against
 * any path segment; `**` is not supported by Helm either). `.helmignore` itself
 * is kept, as Helm does.
 */
export function applyHelmignore(files: PackageFiles): PackageFiles {
  const text = textOf(files, '.helmignore');
  if (text === undefined) return files;
  const rules = parseRules(text);
  const out: PackageFiles = new Map();
  for (const [path, data] of files) {
    let ignored = false;
    for (const rule of rules) if (ruleMatches(rule, path)) ignored = !rule.negate;
    if (!ignored || path === '.helmignore') out.set(path, data);
  }
  return out;
}
