/**
 * Headless Chromium for the real-browser tests, driven by puppeteer-core (no downloaded browser:
 * Debian's `chromium`, installed by .ci/run). `chromiumPath()` is undefined when there is none,
 * so those tests skip; under CI=true a missing browser is an error, as for the other oracles.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** The browser to run: $CHROMIUM_PATH, else the first of the usual places that exists. */
export function chromiumPath(): string | undefined {
  const found = [process.env.CHROMIUM_PATH, ...CANDIDATES].find((p): p is string => !!p && existsSync(p));
  if (!found && process.env.CI === 'true') throw new Error('chromium must be installed under CI=true (.ci/run installs it)');
  return found;
}

/** Launch headless Chromium with a temporary profile, removed when the browser goes away. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('no Chromium found (set CHROMIUM_PATH)');
  const userDataDir = mkdtempSync(join(tmpdir(), 'fatkit-chromium-'));
  const args = ['--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'];
  // Chromium refuses to run as root with its sandbox on.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  try {
    const browser = await puppeteer.launch({ executablePath, headless: true, userDataDir, args });
    // Remove the profile once the browser process is gone (close() waits for it; a crash does not).
    const remove = (): void => {
      try {
        rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      } catch {
        // a browser still writing its profile: the next run's tmp cleaner gets it
      }
    };
    const close = browser.close.bind(browser);
    browser.close = async () => {
      try {
        await close();
      } finally {
        remove();
      }
    };
    browser.once('disconnected', () => setTimeout(remove, 500).unref());
    return browser;
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
}
