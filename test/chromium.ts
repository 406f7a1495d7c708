/**
 * Headless Chromium for browser tests: Debian's `chromium` (or CHROMIUM_PATH), driven by
 * puppeteer-core. A test that needs it skips when it is missing; under CI=true a missing browser
 * is an error (.ci/run installs it), as the other oracles are.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

let found: string | null | undefined;

/** The Chromium executable, or undefined when there is none (an error under CI=true). */
export function chromiumPath(): string | undefined {
  if (found === undefined) {
    const fromEnv = process.env.CHROMIUM_PATH;
    found = fromEnv && fs.existsSync(fromEnv) ? fromEnv : null;
    for (const name of NAMES) {
      if (found !== null) break;
      const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
      if (r.status === 0 && r.stdout.trim() !== '') found = r.stdout.trim();
    }
  }
  if (found === null && process.env.CI === 'true') throw new Error('chromium must be installed under CI=true (.ci/run installs it)');
  return found ?? undefined;
}

/**
 * A headless Chromium (`--no-sandbox`: the tests may run as root) with a fresh profile in a
 * temporary directory, removed once the browser is closed or gone. Close it with browser.close().
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) throw new Error('no chromium found (set CHROMIUM_PATH)');
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fatkit-chromium-'));
  // Chromium's helpers may still be writing the profile for a moment after it exits: retry, never throw.
  const remove = (): Promise<void> => fs.promises.rm(userDataDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 }).catch(() => undefined);
  try {
    const browser = await puppeteer.launch({
      executablePath, userDataDir, headless: true, timeout: 120_000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'],
    });
    const close = browser.close.bind(browser);
    browser.close = async () => {
      try {
        await close();
      } finally {
        await remove();
      }
    };
    browser.once('disconnected', () => void remove());
    return browser;
  } catch (e) {
    await remove();
    throw e;
  }
}
