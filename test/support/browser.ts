/**
 * A real browser for the console's tests: Debian's chromium driven by playwright-core, launched
 * by its path (a fresh profile per launch) (never `playwright install`: no browser is downloaded). The
 * flags keep Chromium from calling home, which the closed network here would refuse.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { chromium } from 'playwright-core';

export const chromiumPath = process.env.WAARP_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface StartedBrowser {
  readonly browser: Browser;
  /** An independent browser profile: its own cookies (a user), its own pages. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Launches chromium (fails loudly when it is not installed: the tier is never skipped). Each
 * launch runs on a fresh temporary user data dir that Playwright removes at close.
 */
export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<StartedBrowser> {
  assert.ok(
    existsSync(chromiumPath),
    `no browser at ${chromiumPath}: apt-get install chromium (this tier is never skipped)`,
  );
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  return {
    browser,
    newContext: () => browser.newContext({ viewport }),
    close: () => browser.close(),
  };
}
