import axe from "axe-core";
import { PutBucketCorsCommand } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { expect, inject } from "vitest";
import type { AppSettings } from "../../src/app.js";
import { buildKey } from "../../src/files/keys.js";
import type { LocalStack } from "../../src/local/stack.js";
import { startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";
import {
  TEST_CORS_ORIGIN,
  corsRule,
  startPrivateTestStack,
  startTestStack,
} from "../helpers/stack.js";
import { putObjectsOnDisk } from "../helpers/s3-disk.js";
import { buildWebAppOnce } from "../helpers/web-build.js";

const ROOT = path.resolve(__dirname, "..", "..");

/**
 * The web app built once for the run by test/web/global-setup.ts (the browser project's), or
 * built here when a file runs outside it.
 */
export async function buildWebApp(): Promise<string> {
  return inject("webDir") ?? buildWebAppOnce();
}

export interface WebStack {
  readonly stack: LocalStack;
  /** The API with the web app, at its own origin. */
  readonly t: TestApp;
  readonly origin: string;
  /** The built web app the API serves. */
  readonly webDir: string;
  /** Another API instance on the same stack (its own settings), also allowed by the bucket. */
  another(settings: Partial<AppSettings>): Promise<TestApp>;
  stop(): Promise<void>;
}

/** The local stack, the API serving the freshly built web app, and the bucket's CORS for it. */
export async function startWebStack(
  settings: Partial<AppSettings> = {},
  /** A stack of its own (for a test that stops a stand-in), not a place on the run's shared one. */
  options: { privateStack?: boolean } = {},
): Promise<WebStack> {
  const webDir = await buildWebApp();
  const stack = options.privateStack ? await startPrivateTestStack() : await startTestStack();
  const apps: TestApp[] = [];
  const origins = [TEST_CORS_ORIGIN];
  const allow = async (app: TestApp) => {
    apps.push(app);
    origins.push(new URL(app.url).origin);
    // The app's origin is known once it listens: the bucket's CORS rule is set then, as
    // `npm start` does for its own port.
    await app.app.clients.s3.send(
      new PutBucketCorsCommand({
        Bucket: stack.s3.bucket,
        CORSConfiguration: { CORSRules: [corsRule(origins)] },
      }),
    );
    return app;
  };
  const t = await allow(await startTestApp({ stack, settings: { ...settings, webDir } }));
  return {
    stack,
    t,
    origin: new URL(t.url).origin,
    webDir,
    another: async (extra) =>
      allow(await startTestApp({ stack, settings: { ...settings, ...extra, webDir } })),
    async stop() {
      for (const a of apps) await a.stop();
      await stack.stop();
    },
  };
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** A fresh context (no storage shared with other actors); page errors and console errors kept. */
export async function newActor(
  browser: Browser,
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({
    viewport: DESKTOP,
    acceptDownloads: true,
    ...options,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  return { context, page, problems };
}

/** Signs in through the form; resolves once the signed-in header shows. */
export async function signInUi(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("viewer").waitFor({ timeout: 15_000 });
}

/** WCAG 2.1 A and AA, and axe's best practices. */
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/**
 * axe-core over the page as it is (WCAG 2.1 A and AA, best practices): its serious and critical
 * violations, each as "rule (impact): help — elements".
 */
export async function axeViolations(page: Page): Promise<string[]> {
  // axe-core's script (580 KB) is put in a document once: Chromium parses and compiles it again
  // each time it is evaluated, and the screens of a test mostly share one document. The app has no
  // frames: the main document is all there is to analyse. Violations only: collecting every
  // passing node as well costs time for nothing.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axe.source);
  const violations = await page.evaluate(
    async (tags) =>
      (
        await (window as unknown as { axe: typeof axe }).axe.run(document, {
          runOnly: { type: "tag", values: tags },
          resultTypes: ["violations"],
        })
      ).violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(" ")),
      })),
    AXE_TAGS,
  );
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.targets.join(", ")}`);
}

/** No serious or critical axe-core violation on the page as it is. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  expect(await axeViolations(page), `${what}: axe violations`).toEqual([]);
}

const IMG = path.join(ROOT, "docs", "img");

/**
 * docs/img/web-{name}-desktop.png and -phone.png, for README.md and docs/web-app.md (the viewport,
 * or the whole page),
 * when asked for: `npm run screenshots` (UPDATE_SCREENSHOTS=1). A plain test run leaves docs/ as
 * it is.
 */
export async function screenshots(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== "1") return;
  await mkdir(IMG, { recursive: true });
  const before = page.viewportSize() ?? DESKTOP;
  for (const [label, size] of [
    ["desktop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    await page.setViewportSize(size);
    await page.evaluate("document.fonts.ready.then(() => undefined)");
    await page.screenshot({
      path: path.join(IMG, `web-${name}-${label}.png`),
      fullPage: options.fullPage ?? false,
      // Secrets shown once (temporary passwords, authenticator keys) stay out of the docs.
      mask: [page.getByTestId("totp-secret"), page.getByTestId("one-time-secret")],
      animations: "disabled",
    });
  }
  await page.setViewportSize(before);
}

/** The GraphQL operations a page sends (operationName, in order), and how many at once at most. */
export function watchGraphql(page: Page): {
  readonly names: string[];
  readonly maxInFlight: () => number;
  reset(): void;
} {
  const names: string[] = [];
  const open = new Set<Request>();
  let max = 0;
  const isGql = (r: Request) => new URL(r.url()).pathname === "/graphql" && r.method() === "POST";
  page.on("request", (r) => {
    if (!isGql(r)) return;
    const body = r.postDataJSON() as { operationName?: string } | null;
    names.push(body?.operationName ?? "?");
    open.add(r);
    max = Math.max(max, open.size);
  });
  const done = (r: Request) => open.delete(r);
  page.on("requestfinished", done);
  page.on("requestfailed", done);
  return {
    names,
    maxInFlight: () => max,
    reset() {
      names.length = 0;
      max = open.size;
    },
  };
}

/**
 * Puts `count` files straight into S3 under keys the API builds (src/files/keys.ts), the way a
 * long-running folder fills up, without the UI: into the stand-in's store on disk (s3rver's own
 * code, test/helpers/s3-disk.ts), not one PutObject request each.
 */
export async function seedFiles(
  t: TestApp,
  scope: "CUSTOMER" | "GENERAL",
  customerId: string | null,
  count: number,
  name: (i: number) => string,
): Promise<void> {
  const start = Date.now() - count * 1000;
  await putObjectsOnDisk(
    t.stack,
    Array.from({ length: count }, (_, i) => ({
      key: buildKey(scope, customerId, name(i), start + i * 1000),
      body: `file ${i}\n`,
      contentType: "text/plain",
    })),
  );
}

export const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
