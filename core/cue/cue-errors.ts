import type { Diagnostic } from '../diagnostics.ts';
import { CUE_LINES, type CueLine } from './lines.ts';

/** Errors that mean a construct one CUE line accepts and another refuses, with what to write instead. */
const lineGaps: Array<{ test: RegExp; hint: (line: CueLine) => string }> = [
  {
    test: /invalid operands? .* to '\+'|unsupported op \+\(list, list\)|Addition of lists is superseded by list\.Concat/,
    hint: (line) =>
      `CUE ${CUE_LINES[line].cue} (KubeVela ${CUE_LINES[line].kubevela}) refuses list addition \`a + b\`: write list.Concat([a, b]) (import "list"), which every KubeVela line accepts`,
  },
  {
    test: /Multiplication of lists is superseded by list\.Repeat|unsupported op \*\(/,
    hint: (line) => `CUE ${CUE_LINES[line].cue} refuses list multiplication: write list.Repeat(a, n) (import "list")`,
  },
  {
    test: /expected label or ':', found '!'/,
    hint: () => 'the required-field syntax `name!: T` needs CUE 0.6 or newer: every KubeVela line velahub knows (1.10, 1.11) has it, so check the syntax around it',
  },
];

/**
 * Adds a hint to errors that come from a construct the line's CUE refuses but
 * another accepts, and drops the parser's follow-on errors after a syntax error
 * (they only repeat that the file ended early).
 */
export function explainCueErrors(list: Diagnostic[], line: CueLine): Diagnostic[] {
  const syntax = list.some((d) => /^expected /.test(d.message) && d.line !== undefined);
  return list
    .filter((d) => !(syntax && d.line === undefined && /^expected '[})\]]', found 'EOF'$/.test(d.message)))
    .map((d) => {
      const gap = lineGaps.find((g) => g.test.test(d.message));
      return gap && !d.hint ? { ...d, hint: gap.hint(line) } : d;
    });
}
