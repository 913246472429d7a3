import { Links } from "../../src/account/links.js";
import { CognitoUsers } from "../../src/aws/cognito-users.js";
import { Sealer } from "../../src/common/sealer.js";
import { createLocalCognitoClient } from "../../src/local/stack.js";
import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_CUSTOMER_PASSWORD, codes, startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";
import { mailFiles, nextMail, readMailbox } from "../helpers/mail.js";
import { refusingUrl } from "../helpers/stack.js";

/**
 * Issue 14, end to end against the local stand-ins (Cognito, S3 and the SES v2 stand-in), reading
 * the real emails from <dataDir>/mail/: invitations, forgot password, change password, sign out
 * everywhere, authenticator-app MFA.
 */

const CREATE = `mutation($i: CreateCustomerInput!) {
  createCustomer(input: $i) { customer { id status } temporaryPassword } }`;
const SEND_INVITATION = `mutation($id: ID!) { sendInvitation(customerId: $id) { customerId sentTo expiresAt } }`;
const SET_PASSWORD = `mutation($t: String!, $p: String!) {
  setPasswordWithToken(token: $t, newPassword: $p) { accessToken refreshToken expiresIn } }`;
const REQUEST_RESET = `mutation($e: String!) { requestPasswordReset(email: $e) }`;
const CHANGE = `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`;
const SIGN_OUT_EVERYWHERE = `mutation { signOutEverywhere }`;
const BEGIN_TOTP = `mutation { beginTotpSetup { secret otpauthUri } }`;
const CONFIRM_TOTP = `mutation($c: String!) { confirmTotpSetup(code: $c) }`;
const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) {
  __typename ... on AuthTokens { accessToken idToken refreshToken } ... on MfaRequired { session } ... on NewPasswordRequired { session } } }`;
const MFA = `mutation($e: String!, $s: String!, $c: String!) {
  completeMfaSignIn(email: $e, session: $s, code: $c) { accessToken refreshToken } }`;
const REFRESH = `mutation($r: String!) { refreshTokens(refreshToken: $r) { accessToken } }`;
const ME = `{ me { id email role mfaEnabled customer { id status } } }`;
const RESET = `mutation($id: ID!) { resetCustomerPassword(id: $id) { temporaryPassword } }`;
const UPDATE = `mutation($id: ID!, $i: UpdateCustomerInput!) { updateCustomer(id: $id, input: $i) { status } }`;

type SignIn = {
  signIn: {
    __typename: string;
    accessToken?: string;
    idToken?: string;
    refreshToken?: string;
    session?: string;
  };
};

const NEW_PASSWORD = "Ch0sen!Passw0rd-1";
const OTHER_PASSWORD = "Ch0sen!Passw0rd-2";

describe("account lifecycle (issue 14) — local stand-ins incl. SES, real emails", () => {
  let t: TestApp;
  let admin: string;
  let seq = 0;
  const fresh = (p: string) => `${p}-${Date.now().toString(36)}-${++seq}`;
  const mailDir = () => t.stack.ses.mailDir;

  async function signIn(email: string, password: string) {
    return (await t.http<SignIn>(SIGN_IN, { e: email, p: password })).body;
  }

  /** A customer created with an invitation; returns their email and the emailed link's token. */
  async function invited(id = fresh("inv")) {
    const email = `${id}@example.test`;
    const seen = await mailFiles(mailDir(), email);
    const r = await t.http<{ createCustomer: { customer: { status: string } } }>(
      CREATE,
      { i: { id, email, name: `Name ${id}`, sendInvitation: true } },
      admin,
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.createCustomer.customer.status).toBe("INVITED");
    const mail = await nextMail(mailDir(), email, seen);
    return { id, email, mail };
  }

  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true });
    admin = await t.adminToken();
  });
  afterAll(() => t?.stop());

  describe("invitations", () => {
    it("createCustomer(sendInvitation) emails a one-time welcome link; setPasswordWithToken sets the password and signs in", async () => {
      const { id, email, mail } = await invited();
      expect(mail.from).toContain("portal@example.test");
      expect(mail.subject).toBe("Your Customer File Portal account");
      expect(mail.text).toContain("Customer File Portal");
      expect(mail.html).toContain(`<a href="${mail.link}">`);
      expect(mail.link).toMatch(
        new RegExp(`^${t.url.replace("127.0.0.1", "localhost")}/welcome#token=`),
      );
      // ≥ 128 bits, sealed: nothing readable in it.
      expect(mail.token!.length).toBeGreaterThanOrEqual(43);
      expect(Buffer.from(mail.token!, "base64url").toString("latin1")).not.toContain(id);

      const set = await t.http<{
        setPasswordWithToken: { accessToken: string; refreshToken: string };
      }>(SET_PASSWORD, { t: mail.token, p: NEW_PASSWORD });
      expect(set.body.errors).toBeUndefined();
      const me = await t.http<{ me: { customer: { id: string; status: string } } }>(
        ME,
        {},
        set.body.data!.setPasswordWithToken.accessToken,
      );
      expect(me.body.data!.me.customer).toEqual({ id, status: "ACTIVE" });
      expect((await signIn(email, NEW_PASSWORD)).data?.signIn.__typename).toBe("AuthTokens");
      // The refresh token it returns refreshes.
      const r = await t.http(REFRESH, { r: set.body.data!.setPasswordWithToken.refreshToken });
      expect(r.body.errors).toBeUndefined();

      // Works once.
      const again = await t.http(SET_PASSWORD, { t: mail.token, p: OTHER_PASSWORD });
      expect(codes(again.body)).toEqual(["UNAUTHENTICATED"]);
      expect((await signIn(email, NEW_PASSWORD)).data?.signIn.__typename).toBe("AuthTokens");
      // An active customer gets no invitation (a reset instead).
      expect(codes((await t.http(SEND_INVITATION, { id }, admin)).body)).toEqual(["CONFLICT"]);
    });

    it("a newer invitation, a reset or a disable makes an older link fail", async () => {
      const first = await invited();
      const seen = await mailFiles(mailDir(), first.email);
      const sent = await t.http<{ sendInvitation: { sentTo: string; expiresAt: string } }>(
        SEND_INVITATION,
        { id: first.id },
        admin,
      );
      expect(sent.body.data!.sendInvitation.sentTo).toBe(first.email);
      const hours = (Date.parse(sent.body.data!.sendInvitation.expiresAt) - Date.now()) / 3.6e6;
      expect(hours).toBeGreaterThan(71.9);
      expect(hours).toBeLessThanOrEqual(72);
      const second = await nextMail(mailDir(), first.email, seen);
      expect(second.token).not.toBe(first.mail.token);
      expect(
        codes((await t.http(SET_PASSWORD, { t: first.mail.token, p: NEW_PASSWORD })).body),
      ).toEqual(["UNAUTHENTICATED"]);

      const reset = await invited();
      await t.http(RESET, { id: reset.id }, admin);
      expect(
        codes((await t.http(SET_PASSWORD, { t: reset.mail.token, p: NEW_PASSWORD })).body),
      ).toEqual(["UNAUTHENTICATED"]);

      const disabled = await invited();
      await t.http(UPDATE, { id: disabled.id, i: { enabled: false } }, admin);
      await t.http(UPDATE, { id: disabled.id, i: { enabled: true } }, admin);
      expect(
        codes((await t.http(SET_PASSWORD, { t: disabled.mail.token, p: NEW_PASSWORD })).body),
      ).toEqual(["UNAUTHENTICATED"]);
      // The newest invitation link still works.
      expect(
        (await t.http(SET_PASSWORD, { t: second.token, p: NEW_PASSWORD })).body.errors,
      ).toBeUndefined();
    });

    it("made-up tokens and weak passwords are refused and change nothing", async () => {
      const inv = await invited();
      expect(codes((await t.http(SET_PASSWORD, { t: "x", p: NEW_PASSWORD })).body)).toEqual([
        "UNAUTHENTICATED",
      ]);
      expect(
        codes((await t.http(SET_PASSWORD, { t: `${inv.mail.token}A`, p: NEW_PASSWORD })).body),
      ).toEqual(["UNAUTHENTICATED"]);
      const weak = await t.http(SET_PASSWORD, { t: inv.mail.token, p: "short" });
      expect(codes(weak.body)).toEqual(["BAD_USER_INPUT"]);
      expect(weak.body.errors![0]!.message).toMatch(/at least 12 characters/);
      // The link survived the refused attempts.
      expect(
        (await t.http(SET_PASSWORD, { t: inv.mail.token, p: NEW_PASSWORD })).body.errors,
      ).toBeUndefined();
    });

    it("an expired link is refused (a clock moved past its lifetime; the stand-in's user record as stored)", async () => {
      const inv = await invited();
      const cognito = createLocalCognitoClient(t.stack);
      try {
        const users = new CognitoUsers(cognito, t.stack.cognito.userPoolId);
        let now = Date.now();
        const clock = () => now;
        const links = new Links(new Sealer(t.stack.sessionSecret, clock), users, clock);
        const link = links.create(inv.id, "invite", 3600);
        await link.commit();
        now += 3599_000;
        expect((await links.redeem(link.token))?.user.username).toBe(inv.id);
        now += 2_000;
        expect(await links.redeem(link.token)).toBeNull();
        // Through the API (real clock), the same link still works: only time refused it.
        expect(
          (await t.http(SET_PASSWORD, { t: link.token, p: NEW_PASSWORD })).body.errors,
        ).toBeUndefined();
      } finally {
        cognito.destroy();
      }
    });

    it("a customer cannot send invitations", async () => {
      const id = fresh("nosend");
      const token = await t.createCustomer(id);
      const r = await t.http(SEND_INVITATION, { id }, token);
      expect(codes(r.body)).toEqual(["FORBIDDEN"]);
    });

    it("when the email cannot be sent: SERVICE_UNAVAILABLE and nothing changes (no half-created customer, the old link stays)", async () => {
      const before = await invited();
      // The same user pool through an API whose SES endpoint refuses connections, as a stopped
      // stand-in does (the run's shared SES stand-in is not this file's to stop).
      const noMail = await startTestApp({
        stack: { ...t.stack, ses: { ...t.stack.ses, endpoint: await refusingUrl() } },
      });
      try {
        const id = fresh("nomail");
        const r = await noMail.http(
          CREATE,
          { i: { id, email: `${id}@example.test`, name: id, sendInvitation: true } },
          admin,
        );
        expect(codes(r.body)).toEqual(["SERVICE_UNAVAILABLE"]);
        const lookup = await t.http<{ customer: null }>(
          `query($id: ID!) { customer(id: $id) { id } }`,
          { id },
          admin,
        );
        expect(lookup.body.data!.customer).toBeNull();
        expect(codes((await noMail.http(SEND_INVITATION, { id: before.id }, admin)).body)).toEqual([
          "SERVICE_UNAVAILABLE",
        ]);
      } finally {
        await noMail.stop();
      }
      expect(
        (await t.http(SET_PASSWORD, { t: before.mail.token, p: NEW_PASSWORD })).body.errors,
      ).toBeUndefined();
    });
  });

  describe("forgot password", () => {
    it("emails a 30-minute reset link to an enabled user; the same answer for unknown emails, never sooner than the fixed 1 s; the reset ends old sessions", async () => {
      const id = fresh("forgot");
      const oldToken = await t.createCustomer(id);
      const email = `${id}@example.test`;
      const old = (await signIn(email, TEST_CUSTOMER_PASSWORD)).data!.signIn;
      const seen = await mailFiles(mailDir());

      const timed = async (e: string) => {
        const started = Date.now();
        const r = await t.http<{ requestPasswordReset: boolean }>(REQUEST_RESET, { e });
        return { r, ms: Date.now() - started };
      };
      const known = await timed(email);
      const unknown = await timed(`nobody-${id}@example.test`);
      for (const x of [known, unknown]) {
        expect(x.r.body).toEqual({ data: { requestPasswordReset: true } });
        expect(x.ms).toBeGreaterThanOrEqual(1000);
      }
      const mail = await nextMail(mailDir(), email, seen);
      expect(mail.subject).toBe("Reset your Customer File Portal password");
      expect(mail.link).toContain("/reset#token=");
      // One email, to the known address, none to the unknown one (the mail folder is the run's:
      // other files' emails land in it too).
      const since = (await readMailbox(mailDir())).filter((m) => !seen.has(m.file));
      expect(since.filter((m) => m.to === email)).toHaveLength(1);
      expect(since.filter((m) => m.to === `nobody-${id}@example.test`)).toEqual([]);

      const set = await t.http<{ setPasswordWithToken: { accessToken: string } }>(SET_PASSWORD, {
        t: mail.token,
        p: NEW_PASSWORD,
      });
      expect(set.body.errors).toBeUndefined();
      for (const token of [oldToken, old.accessToken!])
        expect((await t.http(ME, {}, token)).status).toBe(401);
      expect(codes((await t.http(REFRESH, { r: old.refreshToken })).body)).toEqual([
        "UNAUTHENTICATED",
      ]);
      expect((await t.http(ME, {}, set.body.data!.setPasswordWithToken.accessToken)).status).toBe(
        200,
      );
      expect(codes(await signIn(email, TEST_CUSTOMER_PASSWORD))).toEqual(["UNAUTHENTICATED"]);
    });

    it("a disabled user gets no email; requests are throttled like sign-in", async () => {
      const id = fresh("forgot-off");
      await t.createCustomer(id);
      await t.http(UPDATE, { id, i: { enabled: false } }, admin);
      const email = `${id}@example.test`;
      const seen = await mailFiles(mailDir(), email);
      const from = t.logs.length;
      for (let i = 0; i < 5; i++)
        expect((await t.http(REQUEST_RESET, { e: email })).body.data).toEqual({
          requestPasswordReset: true,
        });
      const limited = await t.http(REQUEST_RESET, { e: email });
      expect(limited.status).toBe(429);
      expect(codes(limited.body)).toEqual(["RATE_LIMITED"]);
      expect(await mailFiles(mailDir(), email)).toEqual(seen);
      // Not sent because the account is disabled (not because sending failed): the log says so.
      const notSent = t.logs
        .slice(from)
        .map((l) => JSON.parse(l) as { msg?: string; outcome?: string })
        .filter((l) => l.msg === "password reset not sent");
      expect(notSent.map((l) => l.outcome)).toEqual(Array(5).fill("disabled"));
    });
  });

  describe("change password and sign out everywhere", () => {
    it("changePassword needs the current password, then ends every session", async () => {
      const id = fresh("change");
      await t.createCustomer(id);
      const email = `${id}@example.test`;
      const s = (await signIn(email, TEST_CUSTOMER_PASSWORD)).data!.signIn;
      const wrong = await t.http(CHANGE, { c: "Wr0ng!Passw0rd", n: NEW_PASSWORD }, s.accessToken);
      expect(codes(wrong.body)).toEqual(["BAD_USER_INPUT"]);
      expect(
        codes((await t.http(CHANGE, { c: TEST_CUSTOMER_PASSWORD, n: "weak" }, s.accessToken)).body),
      ).toEqual(["BAD_USER_INPUT"]);
      expect((await t.http(ME, {}, s.accessToken)).status).toBe(200);
      const ok = await t.http(
        CHANGE,
        { c: TEST_CUSTOMER_PASSWORD, n: NEW_PASSWORD },
        s.accessToken,
      );
      expect(ok.body).toEqual({ data: { changePassword: true } });
      expect((await t.http(ME, {}, s.accessToken)).status).toBe(401);
      expect(codes((await t.http(REFRESH, { r: s.refreshToken })).body)).toEqual([
        "UNAUTHENTICATED",
      ]);
      expect(codes(await signIn(email, TEST_CUSTOMER_PASSWORD))).toEqual(["UNAUTHENTICATED"]);
      expect((await signIn(email, NEW_PASSWORD)).data?.signIn.__typename).toBe("AuthTokens");
    });

    it("signOutEverywhere ends every token issued so far; signing in again works", async () => {
      const id = fresh("everywhere");
      await t.createCustomer(id);
      const email = `${id}@example.test`;
      const a = (await signIn(email, TEST_CUSTOMER_PASSWORD)).data!.signIn;
      const b = (await signIn(email, TEST_CUSTOMER_PASSWORD)).data!.signIn;
      expect((await t.http(SIGN_OUT_EVERYWHERE, {}, a.accessToken)).body).toEqual({
        data: { signOutEverywhere: true },
      });
      for (const token of [a.accessToken!, a.idToken!, b.accessToken!])
        expect((await t.http(ME, {}, token)).status).toBe(401);
      for (const r of [a.refreshToken, b.refreshToken])
        expect(codes((await t.http(REFRESH, { r })).body)).toEqual(["UNAUTHENTICATED"]);
      const c = (await signIn(email, TEST_CUSTOMER_PASSWORD)).data!.signIn;
      expect((await t.http(ME, {}, c.accessToken)).status).toBe(200);
    });
  });

  describe("authenticator-app MFA (TOTP)", () => {
    it("set up with a code, then every sign-in asks for one; wrong codes and made-up sessions are refused", async () => {
      const id = fresh("totp");
      await t.createCustomer(id);
      const email = `${id}@example.test`;
      const s = (await signIn(email, TEST_CUSTOMER_PASSWORD)).data!.signIn;

      // The ID token cannot set up TOTP (Cognito needs the access token).
      expect(codes((await t.http(BEGIN_TOTP, {}, s.idToken)).body)).toEqual(["BAD_USER_INPUT"]);
      const begun = await t.http<{ beginTotpSetup: { secret: string; otpauthUri: string } }>(
        BEGIN_TOTP,
        {},
        s.accessToken,
      );
      const { secret, otpauthUri } = begun.body.data!.beginTotpSetup;
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      const uri = new URL(otpauthUri);
      expect(uri.protocol).toBe("otpauth:");
      expect(uri.host).toBe("totp");
      expect(decodeURIComponent(uri.pathname)).toBe(`/Customer File Portal:${email}`);
      expect(uri.searchParams.get("secret")).toBe(secret);
      expect(uri.searchParams.get("issuer")).toBe("Customer File Portal");

      const code = generateSync({ secret });
      const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
      expect(codes((await t.http(CONFIRM_TOTP, { c: wrongCode }, s.accessToken)).body)).toEqual([
        "BAD_USER_INPUT",
      ]);
      expect(
        (await t.http<{ me: { mfaEnabled: boolean } }>(ME, {}, s.accessToken)).body.data!.me
          .mfaEnabled,
      ).toBe(false);
      expect((await t.http(CONFIRM_TOTP, { c: code }, s.accessToken)).body).toEqual({
        data: { confirmTotpSetup: true },
      });
      expect(
        (await t.http<{ me: { mfaEnabled: boolean } }>(ME, {}, s.accessToken)).body.data!.me
          .mfaEnabled,
      ).toBe(true);

      const challenged = (await signIn(email, TEST_CUSTOMER_PASSWORD)).data!.signIn;
      expect(challenged.__typename).toBe("MfaRequired");
      expect(
        codes((await t.http(MFA, { e: email, s: challenged.session, c: wrongCode })).body),
      ).toEqual(["UNAUTHENTICATED"]);
      expect(
        codes((await t.http(MFA, { e: email, s: "made-up", c: generateSync({ secret }) })).body),
      ).toEqual(["UNAUTHENTICATED"]);
      const done = await t.http<{ completeMfaSignIn: { accessToken: string } }>(MFA, {
        e: email,
        s: challenged.session,
        c: generateSync({ secret }),
      });
      expect(done.body.errors).toBeUndefined();
      expect((await t.http(ME, {}, done.body.data!.completeMfaSignIn.accessToken)).status).toBe(
        200,
      );
      // A wrong password still answers like any wrong password (no hint that MFA is on).
      expect(codes(await signIn(email, "Wr0ng!Passw0rd"))).toEqual(["UNAUTHENTICATED"]);
    });
  });
});

describe("ADMIN_MFA=required: an admin without an authenticator app can only set one up", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      settings: {
        account: {
          appName: "Customer File Portal",
          mailFrom: "portal@example.test",
          invitationTtlHours: 72,
          adminMfa: "required",
        },
      },
    });
  });
  afterAll(() => t?.stop());

  it("FORBIDDEN (MFA_SETUP_REQUIRED) for admin work until TOTP is confirmed, then allowed", async () => {
    const signedIn = await t.http<SignIn>(SIGN_IN, {
      e: t.stack.admin.email,
      p: t.stack.admin.password,
    });
    const token = signedIn.body.data!.signIn.accessToken!;
    const me = await t.http<{ me: { role: string; mfaEnabled: boolean } }>(ME, {}, token);
    expect(me.body.data!.me).toMatchObject({ role: "ADMIN", mfaEnabled: false });
    const list = await t.http(`{ customers(first: 1) { edges { node { id } } } }`, {}, token);
    expect(codes(list.body)).toEqual(["FORBIDDEN"]);
    expect(list.body.errors![0]!.extensions).toMatchObject({ reason: "MFA_SETUP_REQUIRED" });

    const { secret } = (await t.http<{ beginTotpSetup: { secret: string } }>(BEGIN_TOTP, {}, token))
      .body.data!.beginTotpSetup;
    expect(
      (await t.http(CONFIRM_TOTP, { c: generateSync({ secret }) }, token)).body.errors,
    ).toBeUndefined();
    const after = await t.http(`{ customers(first: 1) { edges { node { id } } } }`, {}, token);
    expect(after.body.errors).toBeUndefined();
    // From now on the admin signs in with a code.
    const again = await t.http<SignIn>(SIGN_IN, {
      e: t.stack.admin.email,
      p: t.stack.admin.password,
    });
    expect(again.body.data!.signIn.__typename).toBe("MfaRequired");
  });
});
