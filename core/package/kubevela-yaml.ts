import { isScalar, parseAllDocuments, visit, LineCounter, Scalar } from 'yaml';
// js-yaml reads what go-yaml (sigs.k8s.io/yaml, KubeVela's parser) reads where `yaml` is stricter:
// quoted scalars continued on lines indented no deeper than their key.
import jsyaml from 'js-yaml';
import type { Diagnostic } from '../diagnostics.ts';
import { aliasMessage, maxYamlAliases } from './yaml-limits.ts';

/** The documents of a YAML file as KubeVela reads them, with warnings where the file is dubious. */
export interface KubeVelaYaml {
  /** One value per document (empty documents left out). */
  documents: unknown[];
  warnings: Diagnostic[];
  /** Set when KubeVela would refuse the file too. */
  error?: Diagnostic;
}

/**
 * Parses YAML the way KubeVela does (go-yaml through sigs.k8s.io/yaml): a
 * duplicate key is accepted and the last value wins, and a quoted scalar may
 * continue on lines that strict YAML 1.2 parsers refuse. Both are warnings
 * here, naming the line; only YAML that go-yaml refuses too is an error.
 */
export function parseYamlAsKubeVela(text: string, file: string): KubeVelaYaml {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const warnings: Diagnostic[] = [];
  const errors = list.flatMap((d) => d.errors);
  if (errors.length === 0) {
    // Parsed again with unique keys only to name the duplicates: the values come from the lenient parse.
    const strictLines = new LineCounter();
    const strict = parseAllDocuments(text, { lineCounter: strictLines, uniqueKeys: true, prettyErrors: false });
    for (const e of (Array.isArray(strict) ? strict : [strict]).flatMap((d) => d.errors)) {
      if (e.code !== 'DUPLICATE_KEY') continue;
      const line = e.linePos?.[0]?.line ?? strictLines.linePos(e.pos[0]).line;
      warnings.push({ severity: 'warning', code: 'yaml-duplicate-key', file, line, message: `duplicate key${line ? ` at line ${line}` : ''}: KubeVela keeps the last value, and so does velahub; remove the other one` });
    }
    if (!text.endsWith('\n')) for (const d of list) dropFinalBreakAtEnd(d, text.length);
    let documents: unknown[];
    try {
      documents = list.map((d) => d.toJS({ maxAliasCount: maxYamlAliases }) as unknown).filter((v) => v !== null && v !== undefined);
    } catch (err) {
      // yaml throws a ReferenceError for alias bombs ("billion laughs"): a refusal, not a crash.
      return { documents: [], warnings, error: { severity: 'error', code: 'yaml-aliases', file, message: aliasMessage(err) } };
    }
    return { documents, warnings };
  }
  const first = errors[0]!;
  const line = first.linePos?.[0]?.line ?? lineCounter.linePos(first.pos[0]).line;
  // js-yaml keeps aliases as shared references, which later serialisation would expand: the
  // same bound as the strict path, counted on the text.
  if ((text.match(/(?:^|[\s[{,:-])\*[^\s,\]}]+/g) ?? []).length > maxYamlAliases) {
    return { documents: [], warnings, error: { severity: 'error', code: 'yaml-aliases', file, message: aliasMessage(new ReferenceError('aliases')) } };
  }
  try {
    const documents: unknown[] = [];
    // json: true makes a duplicate key keep the last value, as go-yaml does.
    jsyaml.loadAll(text, (doc) => documents.push(doc), { json: true, filename: file });
    warnings.push({
      severity: 'warning',
      code: 'yaml-lenient',
      file,
      line,
      message: `YAML that strict parsers refuse (line ${line}: ${first.message.split('\n')[0]}); read as KubeVela's go-yaml reads it`,
      hint: 'indent continuation lines of a quoted scalar deeper than its key, or use a block scalar (|)',
    });
    return { documents: documents.filter((v) => v !== null && v !== undefined), warnings };
  } catch {
    return { documents: [], warnings, error: { severity: 'error', code: 'invalid-yaml', file, line, message: `invalid YAML: ${first.message.split('\n')[0]}` } };
  }
}

/**
 * go-yaml ends a block scalar (`|`, `>`) with the line break that follows its last line; a file
 * that ends without one gives a value without it, where `yaml` adds one. KubeVela stores what
 * go-yaml reads (a Terraform configuration whose file lacks a final newline, for one).
 */
function dropFinalBreakAtEnd(doc: Parameters<typeof visit>[0], end: number): void {
  visit(doc, {
    Scalar(_key, node) {
      if (!isScalar(node) || (node.type !== Scalar.BLOCK_LITERAL && node.type !== Scalar.BLOCK_FOLDED)) return;
      if (node.range?.[1] === end && typeof node.value === 'string' && node.value.endsWith('\n')) node.value = node.value.slice(0, -1);
    },
  });
}
