// `node --import ./test/support/trace-imports.mjs ...`: appends the URL of every module the
// process resolves to the file named by VELAHUB_TRACE_IMPORTS, one a line (test/cli/startup.test.ts).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (process.env.VELAHUB_TRACE_IMPORTS) appendFileSync(process.env.VELAHUB_TRACE_IMPORTS, resolved.url + '\\n');
  return resolved;
}`),
);
