import {
  AdminUpdateUserAttributesCommand,
  UpdateUserAttributesCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { post } from "../helpers/post.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalCognitoClient } from "../../src/local/stack.js";
import { TEST_CUSTOMER_PASSWORD, codes, startTestApp } from "../helpers/app.js";
import type { GqlResult, TestApp } from "../helpers/app.js";
import { countAwsCalls } from "./support.js";

/**
 * Issue 12: what an attacker's probe of the identity layer found, each as a test through the HTTP
 * API against the local stand-ins. (SDK-level checks of what the stand-in cannot show — the
 * client secret hash, AWS's global sign-out — are in test/unit/cognito-auth.test.ts.)
 */

const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) {
  __typename ... on AuthTokens { accessToken refreshToken } ... on NewPasswordRequired { session } } }`;
const COMPLETE = `mutation($e: String!, $s: String!, $n: String!) {
  completeNewPassword(email: $e, session: $s, newPassword: $n) { accessToken refreshToken } }`;
const REFRESH = `mutation($r: String!) { refreshTokens(refreshToken: $r) { accessToken refreshToken } }`;
const ME = `{ me { id email role } }`;
const CREATE = `mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { temporaryPassword } }`;
const RESET = `mutation($id: ID!) { resetCustomerPassword(id: $id) { temporaryPassword } }`;
const UPDATE = `mutation($id: ID!, $i: UpdateCustomerInput!) { updateCustomer(id: $id, input: $i) { status } }`;

const NEW_PASSWORD = "N3w!Passw0rd-chosen";

type SignIn = {
  signIn: { __typename: string; accessToken?: string; refreshToken?: string; session?: string };
};

describe("identity hardening (issue 12) — local stand-ins, over HTTP", () => {
  let t: TestApp;
  let admin: string;
  let seq = 0;
  const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

  /** Creates a customer and returns their email and temporary password (not signed in). */
  async function invite(id: string): Promise<{ email: string; temporary: string }> {
    const email = `${id}@example.test`;
    const r = await t.http<{ createCustomer: { temporaryPassword: string } }>(
      CREATE,
      { i: { id, email, name: id } },
      admin,
    );
    expect(r.body.errors).toBeUndefined();
    return { email, temporary: r.body.data!.createCustomer.temporaryPassword };
  }

  /** signIn over HTTP from a loopback source address (127.0.0.1 unless told). */
  function signIn(email: string, password: string, source = "127.0.0.1") {
    return postFrom(source, SIGN_IN, { e: email, p: password });
  }

  /** POST /graphql from a chosen loopback address (127.0.0.x), i.e. another client source. */
  async function postFrom(
    localAddress: string,
    query: string,
    variables: Record<string, unknown>,
  ): Promise<{ status: number; body: GqlResult<SignIn>; headers: Record<string, unknown> }> {
    const reply = await post(new URL(`${t.url}/graphql`), JSON.stringify({ query, variables }), {
      localAddress,
    });
    return { ...reply, body: JSON.parse(reply.body) as GqlResult<SignIn> };
  }

  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true });
    admin = await t.adminToken();
  });
  afterAll(() => t?.stop());

  describe("1. challenge sessions are the API's own", () => {
    it("a made-up session does not set anyone's password — the admin's included", async () => {
      for (const session of ["x", "a".repeat(36), "00000000-0000-4000-8000-000000000000"]) {
        const r = await t.http(COMPLETE, {
          e: t.stack.admin.email,
          s: session,
          n: NEW_PASSWORD,
        });
        expect(r.status, session).toBe(200);
        expect(codes(r.body)).toEqual(["UNAUTHENTICATED"]);
      }
      // The admin's password is unchanged.
      const again = await signIn(t.stack.admin.email, t.stack.admin.password);
      expect(again.body.data?.signIn.__typename).toBe("AuthTokens");
    });

    it("a real session is refused for another email, and once the account has its password", async () => {
      const a = await invite(fresh("sess-a"));
      const b = await invite(fresh("sess-b"));
      const challenge = (await signIn(a.email, a.temporary)).body.data!.signIn;
      expect(challenge.__typename).toBe("NewPasswordRequired");
      // A's session for B's account: refused, and B is still waiting for a first password.
      const crossed = await t.http(COMPLETE, { e: b.email, s: challenge.session, n: NEW_PASSWORD });
      expect(codes(crossed.body)).toEqual(["UNAUTHENTICATED"]);
      expect((await signIn(b.email, b.temporary)).body.data?.signIn.__typename).toBe(
        "NewPasswordRequired",
      );
      // Completed once; the same session again (a replay, any password) is refused.
      const done = await t.http(COMPLETE, { e: a.email, s: challenge.session, n: NEW_PASSWORD });
      expect(done.body.errors).toBeUndefined();
      const replay = await t.http(COMPLETE, {
        e: a.email,
        s: challenge.session,
        n: "An0ther!Passw0rd",
      });
      expect(codes(replay.body)).toEqual(["UNAUTHENTICATED"]);
      expect((await signIn(a.email, NEW_PASSWORD)).body.data?.signIn.__typename).toBe("AuthTokens");
    });

    it("a wrong temporary password gets no challenge session at all", async () => {
      const c = await invite(fresh("sess-wrong"));
      const r = await signIn(c.email, "Wr0ng!Temporary");
      expect(codes(r.body)).toEqual(["UNAUTHENTICATED"]);
    });
  });

  describe("2. a reset, a disable ends every earlier session", () => {
    async function activeCustomer() {
      const c = await invite(fresh("revoke"));
      const challenge = (await signIn(c.email, c.temporary)).body.data!.signIn;
      await t.http(COMPLETE, { e: c.email, s: challenge.session, n: TEST_CUSTOMER_PASSWORD });
      const signedIn = (await signIn(c.email, TEST_CUSTOMER_PASSWORD)).body.data!.signIn;
      const tokens = { accessToken: signedIn.accessToken!, refreshToken: signedIn.refreshToken! };
      // A token refreshed before the reset must die with the session it came from.
      const refreshed = (
        await t.http<{ refreshTokens: { accessToken: string } }>(REFRESH, {
          r: tokens.refreshToken,
        })
      ).body.data!.refreshTokens;
      expect((await t.http(ME, {}, tokens.accessToken)).status).toBe(200);
      expect((await t.http(ME, {}, refreshed.accessToken)).status).toBe(200);
      return { ...c, id: c.email.split("@")[0]!, tokens, refreshed };
    }

    for (const [what, revoke] of [
      ["resetCustomerPassword", (id: string) => t.http(RESET, { id }, admin)],
      [
        "updateCustomer(enabled: false)",
        (id: string) => t.http(UPDATE, { id, i: { enabled: false } }, admin),
      ],
    ] as const) {
      it(`${what}: access, ID, refreshed and refresh tokens all stop at once`, async () => {
        const c = await activeCustomer();
        const r = await revoke(c.id);
        expect(r.body.errors).toBeUndefined();
        for (const token of [c.tokens.accessToken, c.refreshed.accessToken]) {
          const me = await t.http(ME, {}, token);
          expect(me.status).toBe(401);
          expect(codes(me.body)).toEqual(["UNAUTHENTICATED"]);
        }
        const refresh = await t.http(REFRESH, { r: c.tokens.refreshToken });
        expect(codes(refresh.body)).toEqual(["UNAUTHENTICATED"]);
        expect(refresh.body.errors![0]!.message).toMatch(/refresh token/i);
      });
    }

    it("after a reset the customer signs in again with the new temporary password at once", async () => {
      const c = await activeCustomer();
      const temporary = (
        await t.http<{ resetCustomerPassword: { temporaryPassword: string } }>(
          RESET,
          { id: c.id },
          admin,
        )
      ).body.data!.resetCustomerPassword.temporaryPassword;
      const challenge = (await signIn(c.email, temporary)).body.data!.signIn;
      const tokens = (
        await t.http<{ completeNewPassword: { accessToken: string } }>(COMPLETE, {
          e: c.email,
          s: challenge.session,
          n: NEW_PASSWORD,
        })
      ).body.data!.completeNewPassword;
      expect((await t.http(ME, {}, tokens.accessToken)).status).toBe(200);
    });
  });

  describe("3. an email counts only when it is verified and unique", () => {
    it("a customer who rewrites their email to another's (straight through Cognito) cannot sign in as them", async () => {
      // The attacker exists first: "oldest user with the email wins" used to pick them.
      const attackerId = fresh("mallory");
      await t.createCustomer(attackerId);
      const attackerToken = await t.signIn(`${attackerId}@example.test`, TEST_CUSTOMER_PASSWORD);
      const victimId = fresh("victim");
      await t.createCustomer(victimId, NEW_PASSWORD);
      const victimEmail = `${victimId}@example.test`;

      const cognito = createLocalCognitoClient(t.stack);
      try {
        // The stand-in lets any user write any attribute (AWS enforces the client's
        // WriteAttributes, which lists nothing the API relies on).
        await cognito.send(
          new UpdateUserAttributesCommand({
            AccessToken: attackerToken,
            UserAttributes: [{ Name: "email", Value: victimEmail }],
          }),
        );
        // And, whatever the pool's settings, an unverified copy of the victim's email on the
        // attacker's account (what a pool without verification-before-update would hold).
        await cognito.send(
          new AdminUpdateUserAttributesCommand({
            UserPoolId: t.stack.cognito.userPoolId,
            Username: attackerId,
            UserAttributes: [
              { Name: "email", Value: victimEmail },
              { Name: "email_verified", Value: "false" },
            ],
          }),
        );
      } finally {
        cognito.destroy();
      }
      const asAttacker = await signIn(victimEmail, TEST_CUSTOMER_PASSWORD);
      expect(codes(asAttacker.body)).toEqual(["UNAUTHENTICATED"]);
      const asVictim = await signIn(victimEmail, NEW_PASSWORD);
      expect(asVictim.body.data?.signIn.__typename).toBe("AuthTokens");
      const me = await t.http<{ me: { email: string } }>(
        ME,
        {},
        asVictim.body.data!.signIn.accessToken,
      );
      expect(me.body.data!.me.email).toBe(victimEmail);
    });
  });

  describe("5. password guessing is throttled per account and source", () => {
    it("after 5 failures: RATE_LIMITED, 429 and Retry-After; other accounts and other sources go on", async () => {
      const victim = fresh("guess");
      await t.createCustomer(victim);
      const email = `${victim}@example.test`;
      const bystander = fresh("bystander");
      await t.createCustomer(bystander);
      const source = "127.0.0.3";
      for (let i = 1; i <= 5; i++) {
        const r = await signIn(email, `Wr0ng!guess-${i}`, source);
        expect(codes(r.body), `attempt ${i}`).toEqual(["UNAUTHENTICATED"]);
      }
      const blocked = await signIn(email, TEST_CUSTOMER_PASSWORD, source);
      expect(blocked.status).toBe(429);
      expect(codes(blocked.body)).toEqual(["RATE_LIMITED"]);
      const retryAfter = Number(blocked.headers["retry-after"]);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Another account from the same source, and the same account from another source: unaffected.
      const other = await signIn(`${bystander}@example.test`, TEST_CUSTOMER_PASSWORD, source);
      expect(other.body.data?.signIn.__typename).toBe("AuthTokens");
      const elsewhere = await signIn(email, TEST_CUSTOMER_PASSWORD, "127.0.0.4");
      expect(elsewhere.body.data?.signIn.__typename).toBe("AuthTokens");
      // An unknown email is throttled the same way (the throttle tells nobody which emails exist).
      for (let i = 1; i <= 5; i++) await signIn(`nobody-${victim}@example.test`, "Wr0ng!x", source);
      expect((await signIn(`nobody-${victim}@example.test`, "Wr0ng!x", source)).status).toBe(429);

      // Every failure of the existing account is an audit line: account, source, outcome.
      const lines = t.logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.audit === true && l.action === "signIn" && l.target === victim);
      const refused = lines.filter((l) => l.outcome === "refused");
      expect(refused).toHaveLength(5);
      for (const l of refused) expect(l.source).toBe(source);
      expect(t.logs.join("\n")).not.toContain("Wr0ng!guess-");
    });
  });

  describe("6. unknown email and wrong password: same path, same answer", () => {
    it("both cost one ListUsers and one InitiateAuth, and answer alike", async () => {
      const known = fresh("known");
      await t.createCustomer(known);
      const calls = countAwsCalls(t.app.clients);
      try {
        const wrong = await signIn(`${known}@example.test`, "Wr0ng!password");
        const wrongCalls = calls.names();
        const before = wrongCalls.length;
        const unknown = await signIn(`unknown-${known}@example.test`, "Wr0ng!password");
        const unknownCalls = calls.names().slice(before);
        expect(wrongCalls).toEqual(["ListUsersCommand", "InitiateAuthCommand"]);
        expect(unknownCalls).toEqual(wrongCalls);
        const answer = (r: { body: GqlResult<SignIn> }) =>
          (r.body.errors ?? []).map((e) => [e.message, e.extensions?.code]);
        expect(answer(wrong)).toEqual([["Incorrect email or password", "UNAUTHENTICATED"]]);
        expect(answer(unknown)).toEqual(answer(wrong));
      } finally {
        calls.stop();
      }
    });

    it("refresh failures say the refresh token is not valid (no password was sent)", async () => {
      for (const r of ["x", "a".repeat(200)]) {
        const res = await t.http(REFRESH, { r });
        expect(codes(res.body)).toEqual(["UNAUTHENTICATED"]);
        expect(res.body.errors![0]!.message).toMatch(/refresh token is not valid/);
      }
    });
  });

  describe("7. validation cost is bounded", () => {
    it("a document of 440 `me { id }` is refused before graphql-js compares every pair", async () => {
      const query = `{${" me { id }".repeat(440)} }`;
      const started = Date.now();
      const r = await t.http(query, {});
      expect(r.status).toBe(400);
      expect(codes(r.body)).toEqual(["QUERY_TOO_COMPLEX"]);
      expect(r.body.errors![0]!.extensions).toMatchObject({ limit: "duplicates", actual: 440 });
      // Not a timing assertion (npm run bench measures it): just far from the old ~1 s.
      expect(Date.now() - started).toBeLessThan(500);
    });

    it("the same through fragments and inline fragments; a field asked twice is fine", async () => {
      const viaFragment = `{ ...F } fragment F on Query {${" me { id }".repeat(30)} }`;
      const viaInline = `{${" ... on Query { me { id } }".repeat(30)} }`;
      for (const q of [viaFragment, viaInline])
        expect(codes((await t.http(q, {})).body)).toEqual(["QUERY_TOO_COMPLEX"]);
      const ok = await t.http(`{ me { id id } me { email } }`, {}, admin);
      expect(ok.body.errors).toBeUndefined();
    });
  });

  describe("9. every refresh token the API hands out refreshes", () => {
    it("the one completeNewPassword returns, and the one signIn returns", async () => {
      const c = await invite(fresh("refresh"));
      const challenge = (await signIn(c.email, c.temporary)).body.data!.signIn;
      const first = (
        await t.http<{ completeNewPassword: { refreshToken: string } }>(COMPLETE, {
          e: c.email,
          s: challenge.session,
          n: NEW_PASSWORD,
        })
      ).body.data!.completeNewPassword;
      const second = (await signIn(c.email, NEW_PASSWORD)).body.data!.signIn;
      for (const refreshToken of [first.refreshToken, second.refreshToken!]) {
        const r = await t.http<{ refreshTokens: { accessToken: string } }>(REFRESH, {
          r: refreshToken,
        });
        expect(r.body.errors).toBeUndefined();
        expect((await t.http(ME, {}, r.body.data!.refreshTokens.accessToken)).status).toBe(200);
      }
    });
  });
});
