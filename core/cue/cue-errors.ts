import type { Diagnostic } from '../diagnostics.ts';

/** Where the user's text sits inside the temp file that was evaluated. */
export interface SourceMap {
  /** Base name of the temp file as CUE prints it (`def.cue`). */
  tempName: string;
  /** The name to show instead (the user's file, relative to the package). */
  file: string;
  /** Lines of the temp file that are the user's own; later ones are ours. */
  userLines: number;
}

const positionLine = /^\s+(?:\.\/|\/)?(?:[^\s:]*\/)?([^\s/:]+):(\d+):(\d+)\s*$/;

/**
 * Turns CUE's stderr into diagnostics in the user's terms: positions in the temp
 * file become the user's file and line; positions in text velahub appended
 * (context, parameters) are dropped so no temp path ever reaches the user.
 */
export function cueErrorsToDiagnostics(stderr: string, map: SourceMap, code = 'cue-error'): Diagnostic[] {
  const out: Diagnostic[] = [];
  let current: Diagnostic | undefined;
  for (const raw of stderr.split('\n')) {
    if (raw.trim() === '') continue;
    const pos = positionLine.exec(raw);
    if (pos && current) {
      const line = Number(pos[2]);
      if (pos[1] === map.tempName && line <= map.userLines && current.line === undefined) {
        current.line = line;
        current.column = Number(pos[3]);
      }
      continue;
    }
    if (/^\s/.test(raw) && current) {
      current.message += ' ' + raw.trim();
      continue;
    }
    current = { severity: 'error', code, file: map.file, message: scrub(raw.trim().replace(/:$/, ''), map) };
    out.push(current);
  }
  return dedupe(out);
}

function scrub(message: string, map: SourceMap): string {
  return message.split(map.tempName).join(map.file).replace(/\/tmp\/velahub-cue-[^\s:/]+\//g, '');
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.line}:${d.column}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** CUE syntax and behaviour newer than the evaluator's CUE 0.4, recognised by their errors. */
const versionGaps: Array<{ test: RegExp; hint: string }> = [
  {
    test: /expected label or ':', found '!'/,
    hint: 'the required-field syntax `name!: T` needs CUE 0.6 or newer; velahub evaluates with CUE 0.4 (KubeVela 1.10 uses 0.9): write `name: T`, which is required too',
  },
  {
    test: /found '\?\?'|expected operand, found '\?'/,
    hint: 'this syntax needs a newer CUE than the evaluator\'s 0.4',
  },
  {
    test: /structural cycle|cycle error/,
    hint: 'CUE 0.4 reports some references as cycles that newer CUE (KubeVela 1.10 uses 0.9) resolves: move the value into a helper field or a definition',
  },
];

/**
 * Names the CUE feature behind an error when it is one the evaluator's CUE 0.4
 * lacks, and drops the parser's follow-on errors after a syntax error (they
 * only repeat that the file ended early).
 */
export function explainCueVersionGaps(list: Diagnostic[]): Diagnostic[] {
  const syntax = list.some((d) => /^expected /.test(d.message) && d.line !== undefined);
  return list
    .filter((d) => !(syntax && d.line === undefined && /^expected '[})\]]', found 'EOF'$/.test(d.message)))
    .map((d) => {
      const gap = versionGaps.find((g) => g.test.test(d.message));
      return gap && !d.hint ? { ...d, hint: gap.hint } : d;
    });
}
