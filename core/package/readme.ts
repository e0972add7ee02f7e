import type { DefinitionInfo } from './inspect.ts';
import { parameterReference } from '../params/reference.ts';
import { referenceToMarkdown } from '../params/markdown.ts';

/**
 * A README for an addon from its definitions: description, what it provides,
 * how to enable it, and each definition's parameter reference as tables (the
 * community catalog's convention).
 */
export function addonReadme(addon: { name: string; description?: string }, definitions: DefinitionInfo[]): string {
  const parts = [`# ${addon.name}`, '', addon.description || `The ${addon.name} addon.`, ''];
  if (definitions.length) {
    parts.push('This addon provides:', '', ...definitions.map((d) => `- ${d.type} \`${d.name}\`${d.description ? `: ${d.description}` : ''}`), '');
  }
  parts.push('## Install', '', '```shell', `vela addon enable ${addon.name}`, '# or, with dependencies resolved and digests verified:', `velahub enable ${addon.name}`, '```', '');
  for (const d of definitions) {
    parts.push(`## ${d.name} (${d.type})`, '', d.description, '', '### Parameters', '', referenceToMarkdown(parameterReference(d.schema), 4), '');
  }
  return parts.join('\n');
}

/** The generated README of a one-definition addon. */
export function definitionReadme(def: DefinitionInfo): string {
  return addonReadme({ name: def.name, description: def.description || `The ${def.type} \`${def.name}\`.` }, [def]);
}
