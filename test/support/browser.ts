/**
 * Debian's chromium driven by playwright-core, for the browser tests of the registry's pages:
 * when they can run, a headless browser in a throwaway profile, and the page and console errors
 * it meets on the way.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';

/** The browser the tests drive (apt-get install chromium). */
export const chromiumPath = '/usr/bin/chromium';

/** Where the browser tests write their screenshots. */
export const screenshots = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserSkipReason(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  // In CI a missing browser is a failure (openBrowser throws), not a skip.
  if (process.env.CI) return undefined;
  return `${chromiumPath} is missing: apt-get install chromium`;
}

/** A running headless chromium: its one page, and how to end it. */
export interface TestBrowser {
  page: Page;
  close(): Promise<void>;
}

/** Options of {@link openBrowser}. */
export interface OpenBrowserOptions {
  /** Prefix of the temp profile folder. */
  profilePrefix: string;
  colorScheme?: 'light' | 'dark';
  /** Console errors the pages are expected to log (e.g. a hostile README's broken image's 404). */
  expectedConsoleErrors: RegExp;
  /** Receives every page error and every other console error. */
  errors: string[];
}

/** Starts chromium (1280×900, 30 s timeouts) in a temp profile; also creates the screenshots folder. */
export async function openBrowser(opts: OpenBrowserOptions): Promise<TestBrowser> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: apt-get install chromium`);
  await mkdir(screenshots, { recursive: true });
  const profile = await mkdtemp(join(tmpdir(), opts.profilePrefix));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    ...(opts.colorScheme ? { colorScheme: opts.colorScheme } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (e) => opts.errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !opts.expectedConsoleErrors.test(m.text())) opts.errors.push(`console: ${m.text()}`);
  });
  return {
    page,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
