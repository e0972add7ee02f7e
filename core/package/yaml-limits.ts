/**
 * Bounds on the YAML an addon may hold, shared by every reader of package files, so a hostile
 * file is refused with a message instead of exhausting the server.
 */

/** Alias references allowed in one YAML document: real files use a handful; bombs use thousands. */
export const maxYamlAliases = 50;

/** The message for a document whose aliases expand past {@link maxYamlAliases} (yaml throws a ReferenceError). */
export function aliasMessage(err: unknown): string {
  if (err instanceof ReferenceError) {
    return `YAML aliases expand too much (more than ${maxYamlAliases} alias references, a resource exhaustion attack): write the values out instead of repeating anchors`;
  }
  return `invalid YAML: ${(err as Error).message.split('\n')[0]}`;
}
