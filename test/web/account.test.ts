import { generateSync } from "otplib";
import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SetPasswordWithTokenDocument } from "../../src/client/index.js";
import { nextMail } from "../helpers/mail.js";
import { chromiumOrWarn, releaseChromium, sharedChromium } from "../e2e/chromium.js";
import { expectAccessible, newActor, screenshots, signInUi, startWebStack } from "./support.js";
import type { WebStack } from "./support.js";

const CHROMIUM = chromiumOrWarn("Web app in Chromium (account lifecycle)");
const EMAIL = "wayne@example.test";
const FIRST = "Wayne!Portal2026";
const SECOND = "Wayne!Second2026";
const THIRD = "Wayne!Third20266";

/**
 * The account pages against the local stack, emails read from the SES stand-in's mailbox: an
 * admin invites a customer who sets a password from the emailed link and uploads, the admin sees
 * the upload; forgot password; change password; sign out everywhere; authenticator-app setup
 * (QR code) and the code step at sign-in.
 */
describe.skipIf(!CHROMIUM)("web app, account lifecycle", () => {
  let w: WebStack;
  let browser: Browser;

  beforeAll(async () => {
    [w, browser] = await Promise.all([startWebStack(), sharedChromium(CHROMIUM!)]);
  });
  afterAll(async () => {
    await releaseChromium(browser);
    await w?.stop();
  });

  const h1 = (p: Page, name: string) => p.getByRole("heading", { name, level: 1 }).waitFor();
  const tokenOf = async (kind: "welcome" | "reset") => {
    const mail = await nextMail(w.stack.ses.mailDir, EMAIL, seen);
    seen.add(mail.file);
    expect(mail.link).toContain(`/${kind}#token=`);
    return mail.token!;
  };
  const seen = new Set<string>();

  it("an admin invites a customer, who sets a password from the emailed link and uploads; the admin sees the file", async () => {
    const admin = await newActor(browser);
    await admin.page.goto(`${w.origin}/customers`);
    await signInUi(admin.page, w.stack.admin.email, w.stack.admin.password);
    await admin.page.getByRole("button", { name: "New customer" }).click();
    const dialog = admin.page.getByRole("dialog", { name: "New customer" });
    await dialog.getByLabel("Name").fill("Wayne Enterprises");
    await dialog.getByLabel("Email", { exact: true }).fill(EMAIL);
    await dialog.getByLabel("Customer id (optional)").fill("wayne");
    await dialog.getByLabel("Email an invitation link to choose a password").check();
    await dialog.getByRole("button", { name: "Create customer" }).click();
    await admin.page
      .getByRole("dialog", { name: "Customer created" })
      .getByText("emailed invitation link")
      .waitFor();
    await admin.page.getByRole("button", { name: "Done" }).click();

    const customer = await newActor(browser);
    const p = customer.page;
    await p.goto(`${w.origin}/welcome#token=${await tokenOf("welcome")}`);
    await h1(p, "Welcome: choose your password");
    expect(new URL(p.url()).hash).toBe("");
    await expectAccessible(p, "welcome");
    await p.getByLabel("New password", { exact: true }).fill(FIRST);
    await p.getByLabel("Repeat the new password").fill(FIRST);
    await p.getByRole("button", { name: "Set password and sign in" }).click();
    await h1(p, "Files");
    expect(await p.getByTestId("viewer").textContent()).toBe(EMAIL);

    await p.setInputFiles('main input[type="file"]', {
      name: "first-upload.txt",
      mimeType: "text/plain",
      buffer: randomBytes(1000),
    });
    await p.getByTestId("upload-row").and(p.locator('[data-status="done"]')).waitFor();
    await admin.page.goto(`${w.origin}/customers/wayne`);
    await admin.page.getByRole("link", { name: "first-upload.txt" }).waitFor();
    expect(customer.problems).toEqual([]);
    expect(admin.problems).toEqual([]);
    await admin.context.close();
    await customer.context.close();
  });

  it("forgot password: the emailed reset link sets a new password and signs in", async () => {
    const { page: p, context, problems } = await newActor(browser);
    await p.goto(`${w.origin}/`);
    await p.getByRole("link", { name: "Forgot your password?" }).click();
    await h1(p, "Forgot password");
    await expectAccessible(p, "forgot password");
    await p.getByLabel("Email").fill(EMAIL);
    await p.getByRole("button", { name: "Email me a link" }).click();
    await p.getByRole("status").getByText(EMAIL).waitFor();
    const token = await tokenOf("reset");
    await p.goto(`${w.origin}/reset#token=${token}`);
    await h1(p, "Choose a new password");
    await p.getByLabel("New password", { exact: true }).fill(SECOND);
    await p.getByLabel("Repeat the new password").fill(SECOND);
    await p.getByRole("button", { name: "Set password and sign in" }).click();
    await h1(p, "Files");
    // A link works once.
    const again = await w.t.exec(SetPasswordWithTokenDocument, { token, newPassword: THIRD });
    expect(again.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(again.data).toBeNull();
    expect(problems).toEqual([]);
    await context.close();
  });

  it("account: change password, sign out everywhere, authenticator app with a QR code, then the code step at sign-in", async () => {
    const one = await newActor(browser);
    const two = await newActor(browser);
    for (const a of [one, two]) {
      await a.page.goto(`${w.origin}/account`);
      await signInUi(a.page, EMAIL, SECOND);
      await h1(a.page, "Account");
    }
    await expectAccessible(one.page, "account");

    // Change password: every session ends, this one too.
    await one.page.getByLabel("Current password").fill(SECOND);
    await one.page.getByLabel("New password", { exact: true }).fill(THIRD);
    await one.page.getByLabel("Repeat the new password").fill(THIRD);
    await one.page.getByRole("button", { name: "Change password" }).click();
    await h1(one.page, "Sign in");
    expect(await one.page.getByRole("status").first().textContent()).toBe(
      "Your password was changed. Sign in with the new one.",
    );
    await two.page.reload();
    await h1(two.page, "Sign in");

    // Sign out everywhere: the other browser's session ends as well.
    for (const a of [one, two]) await signInUi(a.page, EMAIL, THIRD);
    await one.page.getByRole("button", { name: "Sign out everywhere" }).click();
    await h1(one.page, "Sign in");
    await two.page.reload();
    await h1(two.page, "Sign in");

    // Authenticator app: QR code and key, a code from the app turns it on.
    await signInUi(one.page, EMAIL, THIRD);
    await one.page.getByRole("button", { name: "Set up an authenticator app" }).click();
    await one.page.getByRole("img", { name: "QR code for your authenticator app" }).waitFor();
    const secret = (await one.page.getByTestId("totp-secret").textContent()) ?? "";
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await expectAccessible(one.page, "authenticator setup");
    await screenshots(one.page, "account", { fullPage: true });
    await one.page.getByLabel("Code from the app").fill(generateSync({ secret }));
    await one.page.getByRole("button", { name: "Turn on" }).click();
    await expect.poll(() => one.page.getByTestId("mfa-status").textContent()).toBe("On");

    await one.page.getByRole("button", { name: "Sign out", exact: true }).click();
    await one.page.getByLabel("Email").fill(EMAIL);
    await one.page.getByLabel("Password").fill(THIRD);
    await one.page.getByRole("button", { name: "Sign in" }).click();
    await h1(one.page, "Authenticator code");
    await expectAccessible(one.page, "authenticator code");
    await one.page.getByLabel("Code", { exact: true }).fill(generateSync({ secret }));
    await one.page.getByRole("button", { name: "Sign in" }).click();
    await one.page.getByTestId("viewer").waitFor();
    expect(one.problems.filter((p) => !p.includes("401"))).toEqual([]);
    await one.context.close();
    await two.context.close();
  });
});
