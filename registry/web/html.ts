/** HTML that is already safe to insert: built by {@link html} or marked safe by {@link trusted}. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** What a template slot accepts: text (escaped), safe HTML, or lists of either; null/undefined/false render nothing. */
export type Slot = string | number | SafeHtml | null | undefined | false | readonly Slot[];

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => entities[c]!);
}

function render(slot: Slot): string {
  if (slot === null || slot === undefined || slot === false) return '';
  if (slot instanceof SafeHtml) return slot.text;
  if (Array.isArray(slot)) return (slot as readonly Slot[]).map(render).join('');
  return escapeHtml(String(slot));
}

/**
 * Tagged template that escapes every interpolated value unless it is SafeHtml,
 * so page code cannot forget to escape package-supplied text.
 */
export function html(strings: TemplateStringsArray, ...slots: Slot[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < slots.length; i++) out += render(slots[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Marks HTML produced by a trusted renderer (the Markdown sanitizer) as safe. */
export function trusted(text: string): SafeHtml {
  return new SafeHtml(text);
}

/** Joins slots into one SafeHtml. */
export function join(slots: readonly Slot[], separator: Slot = ''): SafeHtml {
  return new SafeHtml(slots.map(render).join(render(separator)));
}
