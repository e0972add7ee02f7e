/**
 * Version ranges as KubeVela reads them (github.com/Masterminds/semver/v3
 * constraints), rewritten to npm semver's syntax: `,` and spaces mean AND, `||`
 * OR; `=>` and `=<` are `>=` and `<=`; `!=X` is `<X || >X` (distributed over the
 * AND it sits in); a leading `v` on a version is allowed. Null when a part is
 * not a constraint Masterminds would accept.
 */
export function mastermindsToNpm(range: string): string | null {
  const alternatives: string[] = [];
  for (const group of range.split('||')) {
    const text = group.replace(/,/g, ' ').trim();
    if (text === '') return null;
    // A hyphen range (`1.2 - 1.4.5`) means the same to both libraries.
    if (/\s-\s/.test(text)) {
      alternatives.push(text.replace(/\bv(?=\d)/g, ''));
      continue;
    }
    let products: string[][] = [[]];
    const comparator = /^(!=|>=|<=|=>|=<|~>|[<>=~^])?\s*v?([0-9xX*][0-9A-Za-z.+\-*]*)/;
    let rest = text;
    while ((rest = rest.trimStart()) !== '') {
      const m = comparator.exec(rest);
      if (!m) return null;
      rest = rest.slice(m[0].length);
      const op = ({ '=>': '>=', '=<': '<=', '~>': '~' } as Record<string, string>)[m[1] ?? ''] ?? m[1] ?? '';
      const version = m[2]!;
      const choices = op === '!=' ? [`<${version}`, `>${version}`] : [`${op}${version}`];
      products = products.flatMap((p) => choices.map((c) => [...p, c]));
    }
    alternatives.push(...products.map((p) => p.join(' ')));
  }
  return alternatives.join(' || ');
}
