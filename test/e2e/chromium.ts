import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";

/**
 * Debian's Chromium, driven through playwright-core: no browser download. Its headless shell
 * (`apt-get install chromium-headless-shell`, the same Chromium version) when installed: what
 * Playwright itself runs for headless tests, and about half the CPU time of the full browser in
 * headless mode (the browser tests: 108 -> 61 CPU-seconds). Else the full browser
 * (`apt-get install chromium`). CHROMIUM_PATH, when set, is the only place looked at.
 */
const CANDIDATES = process.env.CHROMIUM_PATH
  ? [process.env.CHROMIUM_PATH]
  : [
      "/usr/lib/chromium/chromium-headless-shell",
      // The real binary; /usr/bin/chromium is Debian's wrapper script around it.
      "/usr/lib/chromium/chromium",
      "/usr/bin/chromium",
      "/usr/bin/chromium-browser",
    ];

/** Path of a Chromium executable, or undefined when none is installed. */
export function findChromium(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

/** True on CI, where a missing browser is a failure rather than a test that did not run. */
export const ON_CI = !!process.env.CI && process.env.CI !== "false";

/**
 * Chromium for this test file, or undefined locally when none is installed (then a warning says
 * the browser tests did not run). On CI a missing Chromium throws: the tests must run there.
 */
export function chromiumOrWarn(what: string): string | undefined {
  const found = findChromium();
  if (found) return found;
  const message =
    `${what}: NOT RUN — no Chromium found (looked at ${CANDIDATES.join(", ")}). ` +
    "Install it with `apt-get install chromium-headless-shell` (or chromium) or set CHROMIUM_PATH.";
  if (ON_CI) throw new Error(`${message} CI must run these tests.`);
  console.warn(`\n!!! ${message}\n`);
  return undefined;
}

/**
 * The Chromium of this test worker, launched by the first browser test file it runs and used by
 * the next ones (vitest runs a worker's files one after another): each file works in contexts of
 * its own and closes them with `releaseChromium`, as Playwright's own test runner keeps one browser
 * per worker. Playwright closes the browser when the worker exits.
 */
let workerChromium: Promise<Browser> | undefined;

export function sharedChromium(executablePath: string): Promise<Browser> {
  workerChromium ??= launchChromium(executablePath).then((browser) => {
    browser.on("disconnected", () => (workerChromium = undefined));
    return browser;
  });
  return workerChromium;
}

/** Closes every context of the worker's Chromium: what the file that ends now opened in it. */
export async function releaseChromium(browser: Browser | undefined): Promise<void> {
  await Promise.all(browser?.contexts().map((context) => context.close()) ?? []);
}

/** Headless, no sandbox (containers), no GPU, no background traffic; a fresh profile each launch. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    chromiumSandbox: false,
    args: [
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
    timeout: 30_000,
  });
}
