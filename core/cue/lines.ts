/** The CUE lines velahub evaluates with: the cuelang.org/go version each KubeVela line runs. */
export type CueLine = 'v0.9' | 'v0.14';

/** For each line: its CUE version, the KubeVela releases that use it, and its Go module files. */
export const CUE_LINES: Record<CueLine, { cue: string; kubevela: string; kubevelaRange: string; modfile: string; sumfile: string }> = {
  'v0.9': { cue: 'v0.9.2', kubevela: '1.10', kubevelaRange: '>=1.10.0-0 <1.11.0-0', modfile: 'v0.9.mod', sumfile: 'v0.9.sum' },
  'v0.14': { cue: 'v0.14.1', kubevela: '1.11', kubevelaRange: '>=1.11.0-0', modfile: 'go.mod', sumfile: 'go.sum' },
};

/** The line of KubeVela's stable release (1.10), used when nothing says otherwise. */
export const STABLE_LINE: CueLine = 'v0.9';

/**
 * The line an addon's `system.vela` range targets: KubeVela's stable line
 * when the range allows it (or says nothing), else the newest line it allows.
 */
export function lineForVelaRange(range: string | undefined, intersects: (range: string, other: string) => boolean): CueLine {
  if (!range?.trim()) return STABLE_LINE;
  const allowed = (Object.keys(CUE_LINES) as CueLine[]).filter((l) => {
    try {
      return intersects(range, CUE_LINES[l].kubevelaRange);
    } catch {
      return false;
    }
  });
  if (allowed.length === 0 || allowed.includes(STABLE_LINE)) return STABLE_LINE;
  return allowed[allowed.length - 1]!;
}

/** "CUE v0.9.2 (KubeVela 1.10)": how messages name a line. */
export function describeLine(line: CueLine): string {
  return `CUE ${CUE_LINES[line].cue} (KubeVela ${CUE_LINES[line].kubevela})`;
}
