import { Command, Option } from 'commander';
import { join } from 'node:path';
import { VelahubError } from '../../core/errors.ts';
import { packageRoot } from '../../core/package-root.ts';

const bundledAddons = join(packageRoot, 'addons');

/** `velahub serve`: the registry server (also `npm start`). */
export function serveCommand(): Command {
  return new Command('serve')
    .description('run the registry server; an empty store is seeded with the bundled addons')
    .addOption(new Option('-p, --port <port>', 'port to listen on').env('PORT').default('8080'))
    .addOption(new Option('--host <host>', 'address to bind').env('VELAHUB_HOST').default('0.0.0.0'))
    .addOption(new Option('--data <dir>', 'data folder (blobs, embedded database)').env('VELAHUB_DATA').default('./.velahub'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL URL (default: embedded PGlite in the data folder)').env('DATABASE_URL'))
    .addOption(new Option('--blob-store <url>', 'where archives are kept: file:///path, or s3://BUCKET/PREFIX?region=…&endpoint=… with credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (default: file:// <data>/blobs)').env('VELAHUB_BLOB_STORE'))
    .addOption(new Option('--base-url <url>', 'public URL of this registry').env('VELAHUB_BASE_URL'))
    .addOption(new Option('--auth-header <name>', 'also accept tokens in this header (for `vela addon push --auth-header NAME`), besides Authorization').env('VELAHUB_AUTH_HEADER'))
    // Not commander's .env(): it would read VELAHUB_PRIVATE=false as set, hence true.
    .option('--private', 'every read (index.yaml, archives, /helm, the API, the pages) needs a token of read scope or higher; /healthz, /readyz and /metrics stay open (env VELAHUB_PRIVATE=true)')
    .addOption(new Option('--seed <dir>', 'addons to publish into an empty store').default(bundledAddons))
    .option('--no-seed', 'start with an empty store')
    .action(async (opts: { port: string; host: string; data: string; databaseUrl?: string; blobStore?: string; baseUrl?: string; authHeader?: string; private?: boolean; seed: string | false }) => {
      const port = Number(opts.port);
      if (opts.authHeader !== undefined && (!/^[A-Za-z0-9-]+$/.test(opts.authHeader) || /^(authorization|cookie|host|content-.*)$/i.test(opts.authHeader))) {
        throw new VelahubError('EUSAGE', `--auth-header ${JSON.stringify(opts.authHeader)} is not usable: name one HTTP header of letters, digits and "-" (e.g. X-Velahub-Token), not Authorization, Cookie, Host or Content-*`, { path: '--auth-header' });
      }
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new VelahubError('EUSAGE', `--port ${JSON.stringify(opts.port)} is invalid: use 0-65535`, { path: '--port' });
      const privateReads = opts.private === true || parseBooleanEnv('VELAHUB_PRIVATE');
      const { startServer } = await import('../../registry/server.ts');
      const running = await startServer({
        port,
        host: opts.host,
        dataDir: opts.data,
        databaseUrl: opts.databaseUrl,
        blobStore: opts.blobStore,
        baseUrl: opts.baseUrl?.replace(/\/$/, ''),
        seedDir: opts.seed === false ? undefined : opts.seed,
        adminToken: process.env.VELAHUB_ADMIN_TOKEN,
        authHeader: opts.authHeader,
        private: privateReads,
      }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') throw new VelahubError('EUSAGE', `port ${port} on ${opts.host} is already in use: stop what listens there or pass --port`, { path: '--port' });
        if (err.code === 'EACCES') throw new VelahubError('EUSAGE', `not allowed to listen on port ${port}: use a port above 1023 or run with the right privileges`, { path: '--port' });
        throw err;
      });
      const stop = () => {
        void running.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await new Promise(() => undefined);
    });
}

/** A boolean setting from the environment: true/1/yes or false/0/no (unset or empty: false). */
function parseBooleanEnv(name: string): boolean {
  const value = process.env[name] ?? '';
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no|)$/i.test(value)) return false;
  throw new VelahubError('EUSAGE', `${name}=${JSON.stringify(value)} is invalid: use true or false`, { path: name });
}
