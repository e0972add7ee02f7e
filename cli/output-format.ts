import { Option } from 'commander';
import { VelahubError } from '../core/errors.ts';

// The `-o` flag and its values, light enough for every command's definition: printing in the
// chosen format is output.ts, which a command's action imports.

/** Output formats a command may offer with `-o`. */
export type OutputFormat = 'table' | 'json' | 'yaml' | 'markdown';

const formatNames: readonly string[] = ['table', 'text', 'json', 'yaml', 'markdown'];

/** True when `value` names an output format (`text` included) rather than, say, a file. */
export function isFormatName(value: string): boolean {
  return formatNames.includes(value);
}

/**
 * Validates an `-o` value against what a command supports. `text` is a silent alias of
 * `table`: some commands called their human format that, and old scripts still pass it.
 */
export function outputFormat<F extends OutputFormat>(value: string, allowed: readonly F[], flag = '-o'): F {
  const v = (value === 'text' && allowed.includes('table' as F) ? 'table' : value) as F;
  if (!allowed.includes(v)) {
    throw new VelahubError('EUSAGE', `${flag} ${JSON.stringify(value)} is not supported here: use one of ${allowed.join(', ')}`, { path: flag });
  }
  return v;
}

/**
 * `-o, --output <format>` as kubectl and helm have it: the first format is the default, and a
 * value is checked by {@link outputFormat} while the arguments are parsed. `orFile`: a value
 * that names no format is kept as it is, for a command whose previous release took `-o FILE`
 * (it then warns that this is deprecated).
 */
export function outputOption<F extends OutputFormat>(formats: readonly [F, ...F[]], options: { orFile?: boolean } = {}): Option {
  const names = formats.length > 1 ? `${formats.slice(0, -1).join(', ')} or ${formats.at(-1)}` : formats[0];
  return new Option('-o, --output <format>', `output format: ${names}`)
    .default(formats[0])
    .argParser((value: string) => (options.orFile && !isFormatName(value) ? value : outputFormat(value, formats)));
}
