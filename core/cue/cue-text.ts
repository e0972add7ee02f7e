/** One top-level field of canonical CUE text (as printed by `cue def`). */
export interface CueField {
  /** The label as written: `name`, `"my-trait"`, `#Route`, `_hidden`, `let`, `import`, `package`. */
  label: string;
  /** The field's text, including the comments just above it. */
  text: string;
}

const labelPattern = /^(#?[A-Za-z_$][\w$]*|"(?:[^"\\]|\\.)*")[?!]?:/;

/**
 * Splits canonical CUE text into its top-level fields. `cue def` prints every
 * top-level field starting in column 0 and everything nested indented, which is
 * what makes this safe without a CUE parser of our own.
 */
export function splitTopLevelFields(text: string): CueField[] {
  const fields: CueField[] = [];
  let comments: string[] = [];
  let current: { label: string; lines: string[] } | undefined;
  const flush = () => {
    if (current) fields.push({ label: current.label, text: current.lines.join('\n') });
    current = undefined;
  };
  for (const line of text.split('\n')) {
    const startsTopLevel = line.length > 0 && !/^[\s})\]]/.test(line);
    if (!startsTopLevel) {
      if (current) current.lines.push(line);
      continue;
    }
    if (line.startsWith('//')) {
      flush();
      comments.push(line);
      continue;
    }
    flush();
    const label = topLevelLabel(line);
    current = { label, lines: [...comments, line] };
    comments = [];
  }
  flush();
  return fields;
}

function topLevelLabel(line: string): string {
  if (/^(package|import|let)\b/.test(line)) return line.split(/\s/)[0]!;
  const m = labelPattern.exec(line);
  return m ? m[1]! : line;
}

/** The unquoted name of a label: `"my-trait"` → `my-trait`. */
export function labelName(label: string): string {
  return label.startsWith('"') ? (JSON.parse(label) as string) : label;
}

/**
 * The body of a struct field's canonical text, as top-level text: `x: {\n\ta: 1\n}`
 * → `a: 1`; the one-field shorthand `x: a: 1` → `a: 1`.
 */
export function fieldBody(field: CueField): string {
  const lines = field.text.split('\n');
  const at = lines.findIndex((l) => !l.startsWith('//'));
  const head = lines[at]!;
  const afterLabel = head.slice(head.indexOf(':') + 1).trimStart();
  if (afterLabel === '{') {
    const inner = lines.slice(at + 1, lines.length - 1);
    return inner.map((l) => (l.startsWith('\t') ? l.slice(1) : l)).join('\n');
  }
  return [afterLabel, ...lines.slice(at + 1)].join('\n');
}

/** Replaces a field's label with another, keeping its comments and value. */
export function relabel(field: CueField, label: string): string {
  const lines = field.text.split('\n');
  const at = lines.findIndex((l) => !l.startsWith('//'));
  const head = lines[at]!;
  const m = labelPattern.exec(head);
  lines[at] = m ? label + ':' + head.slice(m[0].length) : head;
  return lines.join('\n');
}
