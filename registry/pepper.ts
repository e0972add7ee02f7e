import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { VelahubError } from '../core/errors.ts';

/** Environment variable holding the pepper itself (at least 32 characters). */
export const pepperEnv = 'VELAHUB_TOKEN_PEPPER';
/** Environment variable naming the file that holds the pepper. */
export const pepperFileEnv = 'VELAHUB_TOKEN_PEPPER_FILE';

/** Where the pepper file lives by default: beside the CLI config, outside any data folder. */
export function defaultPepperFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'velahub', 'token-pepper');
}

const minLength = 32;

/**
 * The server-side pepper of token hashes: `VELAHUB_TOKEN_PEPPER`, else the file named by
 * `VELAHUB_TOKEN_PEPPER_FILE` (default `~/.config/velahub/token-pepper`), created with 32 random
 * bytes (mode 0600) on first start. It lives outside the data folder on purpose: a copy of the
 * data folder alone cannot be used to test token guesses. Losing it invalidates every token.
 */
export async function loadTokenPepper(env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const inline = env[pepperEnv];
  if (inline !== undefined) {
    if (inline.trim().length < minLength) throw new VelahubError('EUSAGE', `${pepperEnv} is ${inline.trim().length} characters: use at least ${minLength} random characters (e.g. \`openssl rand -hex 32\`)`, { path: pepperEnv });
    return Buffer.from(inline.trim());
  }
  const file = env[pepperFileEnv] || defaultPepperFile(env);
  let text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new VelahubError('EUSAGE', `cannot read the token pepper file ${file}: ${err.message}`, { path: pepperFileEnv });
  });
  if (text === undefined) {
    try {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      // 'wx': two servers starting together must not each write their own pepper.
      await writeFile(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      await chmod(file, 0o600);
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new VelahubError('EUSAGE', `cannot create the token pepper file ${file}: ${(err as Error).message}`, {
        path: pepperFileEnv,
        hint: `set ${pepperEnv} to a secret of at least ${minLength} characters, or ${pepperFileEnv} to a writable path outside the data folder`,
      });
    }
  }
  if (text.trim().length < minLength) throw new VelahubError('EUSAGE', `the token pepper in ${file} is ${text.trim().length} characters: it needs at least ${minLength}`, { path: pepperFileEnv });
  return Buffer.from(text.trim());
}
