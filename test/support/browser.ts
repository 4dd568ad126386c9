import { accessSync, constants, existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * The browser the UI tests drive: Debian's Chromium, installed by scripts/bootstrap-tools.sh, or the binary
 * ROTATOR_CHROMIUM names. Found here rather than in sandbox/tools.ts because only tests use it: the demo, the
 * bench and the shipped build never start a browser. As with the servers, a missing browser fails the test, never
 * skips it.
 */
export function chromiumPath(): string {
  const candidate = process.env.ROTATOR_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(candidate)) {
    throw new Error(
      `Chromium not found at ${candidate}. Run 'npm run tools' (scripts/bootstrap-tools.sh installs Debian's chromium as root), ` +
        `or set ROTATOR_CHROMIUM to a Chromium or Chrome binary.`,
    );
  }
  try {
    accessSync(candidate, constants.X_OK);
  } catch {
    throw new Error(`Chromium at ${candidate} is not executable; reinstall it (apt-get install --reinstall chromium) or fix ROTATOR_CHROMIUM.`);
  }
  return realpathSync(candidate);
}

/**
 * Switches for a closed network: without them Chromium keeps trying to reach Google's services (component updates,
 * sync, QUIC probes) and hangs on this machine. --no-sandbox because the tests run as root. Playwright adds its own
 * defaults (some the same) and manages --user-data-dir and the debugging pipe itself.
 */
const CLOSED_NETWORK_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface HeadlessChromium {
  context: BrowserContext;
  /** closes the browser and removes its profile */
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile in a temporary folder (playwright-core; it never downloads a browser). */
export async function launchChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<HeadlessChromium> {
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'rotator-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath(),
      headless: true,
      args: CLOSED_NETWORK_ARGS,
      viewport: options.viewport ?? { width: 1600, height: 1000 },
      timeout: 60_000,
    });
    return {
      context,
      async close() {
        await context.close().catch(() => undefined);
        rmSync(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
}
