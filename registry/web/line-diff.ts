/** One line of a diff: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
  /** Line number in the old text (kept and removed lines). */
  from?: number;
  /** Line number in the new text (kept and added lines). */
  to?: number;
}

/** A run of changes with some unchanged lines around it. */
export interface DiffHunk {
  fromStart: number;
  toStart: number;
  lines: DiffLine[];
}

/** A line diff, or why none was computed. */
export interface LineDiff {
  hunks: DiffHunk[];
  added: number;
  removed: number;
  /** Set when the texts were too different or too long to diff. */
  truncated?: string;
}

/** Bound on the edit distance explored (Myers' D), so two huge unrelated texts cannot stall a request. */
const maxEdits = 4000;
const maxLines = 20000;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The edit script between two line lists (Myers' O(ND) algorithm), or undefined past the bounds. */
function editScript(a: string[], b: string[]): DiffLine[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return undefined;
  trace.push(v.slice());
  const out: DiffLine[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) out.push({ op: ' ', text: a[--x]!, from: x + 1, to: --y + 1 });
    if (x === prevX) out.push({ op: '+', text: b[--y]!, to: y + 1 });
    else out.push({ op: '-', text: a[--x]!, from: x + 1 });
  }
  while (x > 0 && y > 0) out.push({ op: ' ', text: a[--x]!, from: x + 1, to: --y + 1 });
  return out.reverse();
}

/**
 * Diffs two texts line by line and groups the changes into hunks with
 * `context` unchanged lines around each, like `diff -u`.
 */
export function diffLines(before: string, after: string, context = 3): LineDiff {
  const a = splitLines(before);
  const b = splitLines(after);
  if (a.length > maxLines || b.length > maxLines) return { hunks: [], added: 0, removed: 0, truncated: `texts longer than ${maxLines} lines are not diffed` };
  const script = editScript(a, b);
  if (!script) return { hunks: [], added: 0, removed: 0, truncated: `the texts differ in more than ${maxEdits} lines` };
  const changed = script.flatMap((l, i) => (l.op === ' ' ? [] : [i]));
  const hunks: DiffHunk[] = [];
  for (let g = 0; g < changed.length; ) {
    let last = g;
    while (last + 1 < changed.length && changed[last + 1]! - changed[last]! <= 2 * context + 1) last++;
    const lines = script.slice(Math.max(changed[g]! - context, 0), Math.min(changed[last]! + context + 1, script.length));
    hunks.push({ fromStart: lines.find((l) => l.from !== undefined)?.from ?? 0, toStart: lines.find((l) => l.to !== undefined)?.to ?? 0, lines });
    g = last + 1;
  }
  return { hunks, added: script.filter((l) => l.op === '+').length, removed: script.filter((l) => l.op === '-').length };
}
