import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateCustomerDocument,
  FileAdminDetailsDocument,
  FilesDocument,
} from "../../src/client/index.js";
import { startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";
import { startTestStack } from "../helpers/stack.js";
import { chromiumOrWarn, releaseChromium, sharedChromium } from "./chromium.js";
import { buildTestPage, serveStatic } from "./page/serve.js";
import type { StaticSite } from "./page/serve.js";

const CHROMIUM = chromiumOrWarn("Browser tests (direct-to-S3 upload, offline playground)");
const PASSWORD = "Str0ng!Passw0rd";
const CUSTOMER = "acme";

/**
 * Real Chromium against the local stack. The test page is Apollo Client with the generated
 * documents, served from its own origin: every API call and every PUT/GET to S3 is a cross-origin
 * request the browser checks with CORS (a PUT with custom headers always gets a preflight).
 */
describe.skipIf(!CHROMIUM)("in Chromium: sign-in, direct-to-S3 upload, listing, download", () => {
  let t: TestApp;
  let site: StaticSite;
  /** Same page from an origin the API allows but the bucket's CORS rule does not. */
  let otherSite: StaticSite;
  let browser: Browser;
  let admin: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    const files = await buildTestPage();
    site = await serveStatic(files);
    otherSite = await serveStatic(files);
    const stack = await startTestStack({ corsOrigins: [site.origin] });
    t = await startTestApp({
      stack,
      settings: { corsOrigins: [site.origin, otherSite.origin] },
    });
    admin = await t.adminToken();
    const created = await t.exec(
      CreateCustomerDocument,
      { input: { id: CUSTOMER, email: `${CUSTOMER}@example.test`, name: "Acme" } },
      admin,
    );
    if (!created.data) throw new Error(JSON.stringify(created.errors));
    await t.signIn(
      `${CUSTOMER}@example.test`,
      created.data.createCustomer.temporaryPassword,
      PASSWORD,
    );
    browser = await sharedChromium(CHROMIUM!);
  });

  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await releaseChromium(browser);
    await t?.stop();
    await t?.stack.stop();
    await site?.close();
    await otherSite?.close();
  });

  /** A fresh browser profile with the test page open; page errors are collected. */
  async function openPage(origin: string): Promise<{ page: Page; problems: string[] }> {
    const context = await browser.newContext({ acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
    });
    await page.goto(`${origin}/index.html?api=${encodeURIComponent(t.url)}`);
    return { page, problems };
  }

  /** Submits a form and returns #status once the page says it is done. */
  async function submit(page: Page, button: string): Promise<{ state: string; text: string }> {
    await page.evaluate("document.getElementById('status').dataset.state = 'busy'");
    await page.click(button);
    const status = page.locator('#status:not([data-state="busy"]):not([data-state="idle"])');
    await status.waitFor({ timeout: 15_000 });
    return {
      state: (await status.getAttribute("data-state")) ?? "",
      text: (await status.textContent()) ?? "",
    };
  }

  async function signIn(page: Page, email: string, password: string) {
    await page.fill("#email", email);
    await page.fill("#password", password);
    return submit(page, '#sign-in button[type="submit"]');
  }

  async function upload(
    page: Page,
    file: { name: string; mimeType: string; buffer: Buffer },
    customerId = "",
  ) {
    await page.setInputFiles("#file", file);
    await page.fill("#customer-id", customerId);
    return submit(page, '#upload button[type="submit"]');
  }

  function fileNames(page: Page): Promise<string[]> {
    return page.locator("#files a").allTextContents();
  }

  /** Clicks the file's link like a person and returns what the browser saved. */
  async function download(page: Page, name: string) {
    const [saved] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name, exact: true }).click(),
    ]);
    const path = await saved.path();
    return { filename: saved.suggestedFilename(), body: await readFile(path) };
  }

  it("admin: signs in, uploads into a customer's folder straight to S3, lists and downloads", async () => {
    const { page, problems } = await openPage(site.origin);
    const signedIn = await signIn(page, t.stack.admin.email, t.stack.admin.password);
    expect(signedIn, problems.join("\n")).toMatchObject({ state: "ok" });
    expect(await page.textContent("#viewer")).toBe(`${t.stack.admin.email} (ADMIN)`);

    const body = Buffer.from("Contract for Acme, signed.\n");
    const up = await upload(
      page,
      { name: "contract.txt", mimeType: "text/plain", buffer: body },
      CUSTOMER,
    );
    expect(up, problems.join("\n")).toMatchObject({ state: "ok" });
    expect(up.text).toMatch(/^Uploaded contract\.txt as f2_/);
    expect(await fileNames(page)).toEqual(["contract.txt"]);

    const got = await download(page, "contract.txt");
    expect(got.filename).toBe("contract.txt");
    expect(got.body.equals(body)).toBe(true);

    // The API saw what the browser sent: type, uploader and owner, read with a typed document.
    const fileId = /as (f2_\S+);/.exec(up.text)![1]!;
    const details = await t.exec(FileAdminDetailsDocument, { id: fileId }, admin);
    expect(details.errors).toBeUndefined();
    expect(details.data?.file).toMatchObject({
      name: "contract.txt",
      scope: "CUSTOMER",
      customerId: CUSTOMER,
      size: body.length,
      contentType: "text/plain",
      uploadedBy: t.stack.admin.email,
      customer: { id: CUSTOMER, status: "ACTIVE" },
    });
    expect(problems).toEqual([]);
  });

  it("customer: uploads into their own folder and downloads the exact bytes under a Unicode name", async () => {
    const { page, problems } = await openPage(site.origin);
    const signedIn = await signIn(page, `${CUSTOMER}@example.test`, PASSWORD);
    expect(signedIn, problems.join("\n")).toMatchObject({ state: "ok" });
    expect(await page.textContent("#viewer")).toBe(`${CUSTOMER}@example.test (CUSTOMER)`);

    const body = randomBytes(256 * 1024);
    const name = "Résumé ünïcode.pdf";
    const up = await upload(page, { name, mimeType: "application/pdf", buffer: body });
    expect(up, problems.join("\n")).toMatchObject({ state: "ok" });
    // Newest first: the customer's own upload, then the admin's file in their folder.
    expect(await fileNames(page)).toEqual([name, "contract.txt"]);

    const got = await download(page, name);
    expect(got.filename).toBe(name);
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    expect(sha(got.body)).toBe(sha(body));
    expect(problems).toEqual([]);
  });

  it("the browser blocks the PUT when the bucket's CORS rule does not list the page's origin", async () => {
    const { page, problems } = await openPage(otherSite.origin);
    const signedIn = await signIn(page, t.stack.admin.email, t.stack.admin.password);
    expect(signedIn).toMatchObject({ state: "ok" });
    const up = await upload(
      page,
      { name: "blocked.txt", mimeType: "text/plain", buffer: Buffer.from("nope") },
      CUSTOMER,
    );
    expect(up).toEqual({ state: "error", text: "Upload failed: Failed to fetch" });
    // Chromium's own words: the preflight to S3 was answered without this origin.
    expect(problems.join("\n")).toMatch(/from origin '[^']+' has been blocked by CORS policy/);
    const listed = await t.exec(FilesDocument, { customerId: CUSTOMER }, admin);
    expect(listed.data?.files.edges.map((e) => e.node.name)).not.toContain("blocked.txt");
  });
});

describe.skipIf(!CHROMIUM)("in Chromium: the offline GraphQL playground", () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await sharedChromium(CHROMIUM!);
  });
  afterAll(async () => {
    await releaseChromium(browser);
    await t?.stop();
  });

  it("loads from the API alone, signs in, takes the Authorization header, runs me and shows the docs", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const api = new URL(t.url).origin;
    // No internet: anything but the API itself is refused and recorded.
    const elsewhere: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (new URL(url).origin === api || url.startsWith("data:")) return route.continue();
      elsewhere.push(url);
      return route.abort("internetdisconnected");
    });
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));

    const res = await page.goto(`${t.url}/graphql`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-type"]).toContain("text/html");

    // GraphiQL loads its editors asynchronously; it runs nothing before the result pane exists.
    const result = page.locator(".result-window .CodeMirror");
    await result.waitFor({ timeout: 15_000 });
    const readResult = () =>
      result.evaluate((node) =>
        (node as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue(),
      );
    /** Types into an editor like a person: select all, then the text. */
    const typeInto = async (editor: string, text: string) => {
      await page.locator(editor).click();
      await page.keyboard.press("Control+A");
      await page.keyboard.insertText(text);
    };
    const run = async (query: string, expected: string): Promise<unknown> => {
      await typeInto(".graphiql-query-editor .CodeMirror", query);
      // GraphiQL parses the edit 100 ms later; until then the button still offers the old
      // document's operations. Wait for its parse, not for a fixed time.
      const name = /^(?:query|mutation) (\w+)/.exec(query)![1]!;
      const parsed = () =>
        page.locator(".graphiql-query-editor .CodeMirror").evaluate((node) => {
          const cm = (
            node as unknown as {
              CodeMirror: {
                operationName?: string | null;
                operations?: { name?: { value: string } }[] | null;
              };
            }
          ).CodeMirror;
          const names = (cm.operations ?? []).map((o) => o.name?.value ?? "").join(",");
          return `${names}/${cm.operationName ?? ""}`;
        });
      await expect.poll(parsed, { timeout: 10_000 }).toBe(`${name}/${name}`);
      await page.locator(".graphiql-execute-button:not([aria-haspopup])").click();
      await expect.poll(readResult, { timeout: 15_000 }).toContain(expected);
      return JSON.parse(await readResult());
    };

    // The sign-in box asks the API for a token and puts the header in place itself.
    await page.getByLabel("Email").fill(t.stack.admin.email);
    await page.getByLabel("Password").fill(t.stack.admin.password);
    await page.getByRole("button", { name: "Sign in and set the header" }).click();
    await expect
      .poll(() => page.locator("#signin-status").textContent(), { timeout: 15_000 })
      .toContain(`Signed in as ${t.stack.admin.email}`);
    expect(await page.getByLabel("Password").inputValue()).toBe("");
    await page.getByRole("button", { name: "Headers" }).click();
    const headers = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror");
    await expect
      .poll(() =>
        headers.evaluate((node) =>
          (node as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue(),
        ),
      )
      .toMatch(/"Authorization": "Bearer [\w-]+\.[\w-]+\.[\w-]+"/);
    expect(await run("query Me { me { email role } }", "ADMIN")).toEqual({
      data: { me: { email: t.stack.admin.email, role: "ADMIN" } },
    });

    // The schema came from introspection: the docs list the root fields.
    await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
    const docs = page.locator(".graphiql-doc-explorer");
    await docs.getByText("Mutation", { exact: true }).click({ timeout: 10_000 });
    await docs.getByText("requestUpload", { exact: true }).waitFor({ timeout: 10_000 });

    // A sign-in run from the editor, password and all: GraphiQL records tabs and history in the
    // storage it is given, and that one lives in memory, so the browser keeps none of it.
    await run(
      `mutation SignIn { signIn(email: ${JSON.stringify(t.stack.admin.email)}, password: ${JSON.stringify(t.stack.admin.password)}) { __typename } }`,
      "AuthTokens",
    );
    const stored = await page.evaluate(
      "JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])",
    );
    expect(stored).toBe("[[],[]]");

    expect(elsewhere).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
