import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CreateCustomerDocument,
  FileAdminDetailsDocument,
  FilesDocument,
  SignInDocument,
} from "../../src/client/index.js";
import { chromiumOrWarn, releaseChromium, sharedChromium } from "../e2e/chromium.js";
import {
  axeViolations,
  expectAccessible,
  newActor,
  screenshots,
  seedFiles,
  signInUi,
  startWebStack,
  watchGraphql,
} from "./support.js";
import type { WebStack } from "./support.js";

const CHROMIUM = chromiumOrWarn("Web app in Chromium (admin flows)");

/**
 * The portal as an admin runs the business, in Debian's Chromium against the local stack:
 * customers (create with a one-time temporary password, search, edit, disable/enable, reset),
 * any customer's folder and the general folder (upload, delete with confirmation), a
 * 1,000-file folder paged as it scrolls, keyboard use and accessibility.
 */
describe.skipIf(!CHROMIUM)("web app, admin", () => {
  let w: WebStack;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let admin: string;

  beforeAll(async () => {
    [w, browser] = await Promise.all([startWebStack(), sharedChromium(CHROMIUM!)]);
    admin = await w.t.adminToken();
    const customers = [
      ["acme", "Acme Ltd"],
      ["globex", "Globex Corporation"],
      ["bigco", "Big Co"],
    ] as const;
    for (const [id, name] of customers)
      await w.t.exec(
        CreateCustomerDocument,
        { input: { id, name, email: `${id}@example.test` } },
        admin,
      );
    // A folder that has grown to 1,000 files, put straight into S3.
    await seedFiles(
      w.t,
      "CUSTOMER",
      "bigco",
      1000,
      (i) => `report-${String(i).padStart(4, "0")}.txt`,
    );
    ({ page, problems } = await newActor(browser, {
      permissions: ["clipboard-read", "clipboard-write"],
    }));
    await page.goto(`${w.origin}/`);
    await signInUi(page, w.stack.admin.email, w.stack.admin.password);
  });

  afterAll(async () => {
    await releaseChromium(browser);
    await w?.stop();
  });

  const names = () => page.locator("main tbody tr td.name a").allTextContents();
  const customerRows = () => page.locator("main tbody tr td:first-child a").allTextContents();
  const signInResult = async (email: string, password: string) =>
    (await w.t.exec(SignInDocument, { email, password })).data?.signIn.__typename ?? "refused";

  it("lands on the customers list; creates a customer whose temporary password is shown once, with a copy button", async () => {
    await page.getByRole("heading", { name: "Customers", level: 1 }).waitFor();
    expect(page.url()).toBe(`${w.origin}/customers`);
    await expect
      .poll(async () => (await customerRows()).sort())
      .toEqual(["Acme Ltd", "Big Co", "Globex Corporation"]);

    await page.getByRole("button", { name: "New customer" }).click();
    const dialog = page.getByRole("dialog", { name: "New customer" });
    await dialog.getByLabel("Name").fill("Initech");
    await dialog.getByLabel("Email", { exact: true }).fill("initech@example.test");
    await dialog.getByLabel("Customer id (optional)").fill("initech");
    await expectAccessible(page, "new customer dialog");
    await dialog.getByRole("button", { name: "Create customer" }).click();
    const done = page.getByRole("dialog", { name: "Customer created" });
    const secret = (await done.getByTestId("one-time-secret").textContent()) ?? "";
    expect(secret.length).toBeGreaterThanOrEqual(12);
    await done.getByRole("button", { name: "Copy" }).click();
    await expect
      .poll(() => done.getByRole("status").textContent())
      .toBe("Copied to the clipboard.");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await done.getByRole("button", { name: "Done" }).click();
    // Gone from the page once closed; it works once, for the customer's first sign-in.
    expect(await page.content()).not.toContain(secret);
    expect(await signInResult("initech@example.test", secret)).toBe("NewPasswordRequired");
    await expect.poll(customerRows).toContain("Initech");

    await page.getByLabel("Search loaded customers").fill("GLOBEX");
    expect(await customerRows()).toEqual(["Globex Corporation"]);
    await page.getByLabel("Search loaded customers").fill("");
    await expectAccessible(page, "customers");
    await screenshots(page, "customers");

    // The check can fail: a button without a name, added to the same page, is reported.
    await page.evaluate(() => {
      const nameless = document.createElement("button");
      nameless.id = "nameless";
      document.querySelector("main")?.append(nameless);
    });
    expect(await axeViolations(page)).toEqual([
      expect.stringMatching(/^button-name \(critical\): .* — #nameless$/),
    ]);
    await page.evaluate(() => document.getElementById("nameless")?.remove());
    await expectAccessible(page, "customers, the button gone");
  });

  it("edits name and email, disables and enables sign-in, resets the password (shown once)", async () => {
    await page.getByRole("link", { name: "Initech" }).click();
    await page.getByRole("heading", { name: "Initech", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Edit name and email" }).click();
    const edit = page.getByRole("dialog", { name: "Edit customer" });
    await edit.getByLabel("Name").fill("Initech Inc.");
    await edit.getByLabel("Email").fill("it@initech.test");
    await edit.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Initech Inc.", level: 1 }).waitFor();
    await page.getByText("it@initech.test").waitFor();

    await page.getByRole("button", { name: "Disable sign-in" }).click();
    await expect.poll(() => page.getByTestId("customer-status").textContent()).toBe("Disabled");
    await page.getByRole("button", { name: "Enable sign-in" }).click();
    await expect.poll(() => page.getByTestId("customer-status").textContent()).not.toBe("Disabled");

    await page.getByRole("button", { name: "Reset password" }).click();
    const confirm = page.getByRole("dialog", { name: "Reset this customer's password?" });
    await confirm.getByRole("button", { name: "Reset password" }).click();
    const shown = page.getByRole("dialog", { name: "Password reset" });
    const secret = (await shown.getByTestId("one-time-secret").textContent()) ?? "";
    await shown.getByRole("button", { name: "Done" }).click();
    expect(await page.content()).not.toContain(secret);
    expect(await signInResult("it@initech.test", secret)).toBe("NewPasswordRequired");
    expect(problems).toEqual([]);
  });

  it("uploads into a customer's folder and into the general folder; deletes only after confirming", async () => {
    const body = randomBytes(64 * 1024);
    await page.setInputFiles('main input[type="file"]', {
      name: "contract.pdf",
      mimeType: "application/pdf",
      buffer: body,
    });
    await expect.poll(names).toEqual(["contract.pdf"]);
    await expectAccessible(page, "customer page");
    await screenshots(page, "customer");

    await page.getByRole("link", { name: "General files" }).click();
    await page.getByRole("heading", { name: "General files", level: 1 }).waitFor();
    await page.setInputFiles('main input[type="file"]', {
      name: "price-list.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("item,price\n"),
    });
    await expect.poll(names).toEqual(["price-list.csv"]);
    const listed = await w.t.exec(FilesDocument, { customerId: "initech" }, admin);
    const contract = listed
      .data!.files.edges.map((e) => e.node)
      .find((f) => f.name === "contract.pdf")!;
    const details = await w.t.exec(FileAdminDetailsDocument, { id: contract.id }, admin);
    expect(details.data?.file).toMatchObject({
      scope: "CUSTOMER",
      customerId: "initech",
      size: body.length,
      contentType: "application/pdf",
      uploadedBy: w.stack.admin.email,
    });
    await expectAccessible(page, "general files");
    await screenshots(page, "general");

    await page.getByRole("button", { name: "Delete price-list.csv" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this file?" });
    await expectAccessible(page, "delete dialog");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await names()).toEqual(["price-list.csv"]);
    await page.getByRole("button", { name: "Delete price-list.csv" }).click();
    await dialog.getByRole("button", { name: "Delete" }).click();
    await expect.poll(names).toEqual([]);
    const general = await w.t.exec(FilesDocument, { scope: "GENERAL" }, admin);
    expect(general.data?.files.edges).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("a 1,000-file folder loads one page at a time as it scrolls, never more at once", async () => {
    const gql = watchGraphql(page);
    await page.goto(`${w.origin}/customers/bigco`);
    await expect.poll(() => names().then((n) => n.length)).toBe(50);
    expect(await names().then((n) => n.slice(0, 2))).toEqual([
      "report-0999.txt",
      "report-0998.txt",
    ]);
    const files = () => gql.names.filter((n) => n === "Files").length;
    expect(files()).toBe(1);
    for (let page_ = 2; page_ <= 5; page_++) {
      await page.locator("main tbody tr").last().scrollIntoViewIfNeeded();
      await expect.poll(() => names().then((n) => n.length)).toBe(page_ * 50);
      expect(files()).toBe(page_);
    }
    // Nothing more loads while the list stands still, nor when filtering what is loaded.
    await page.waitForTimeout(300);
    await page.getByLabel("Filter by name").fill("report-09");
    await page.locator("main tbody tr").last().scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    expect(files()).toBe(5);
    expect(gql.maxInFlight()).toBe(1);
    expect(await page.getByTestId("list-status").textContent()).toBe(
      "100 of the 250 files loaded match “report-09”.",
    );
    console.log(
      `1,000-file folder: ${files()} page requests for 250 rows scrolled, at most ${gql.maxInFlight()} at once`,
    );
  });

  it("reaches the admin's main actions by keyboard; Escape closes a dialog and focus returns", async () => {
    await page.goto(`${w.origin}/customers`);
    await expect.poll(customerRows).toContain("Initech Inc.");
    await page.locator("body").focus();
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press("Tab");
      seen.push(
        await page.evaluate(
          () =>
            `${document.activeElement?.tagName.toLowerCase()}:${document.activeElement?.textContent?.trim() ?? ""}`,
        ),
      );
    }
    for (const want of [
      "a:Customers",
      "a:General files",
      "button:Sign out",
      "button:New customer",
      "a:Acme Ltd",
    ])
      expect(seen, seen.join(" | ")).toContain(want);
    const button = page.getByRole("button", { name: "New customer" });
    await button.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("dialog", { name: "New customer" }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("new-name");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("New customer");
  });
});
