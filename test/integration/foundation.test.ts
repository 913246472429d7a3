import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";

const ME = `{ me { id email role customer { id } } }`;

describe("foundation: HTTP layer, sign-in and me against the local stand-ins", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true });
  });
  afterAll(() => t?.stop());

  it("answers /healthz and /readyz", async () => {
    const h = await fetch(`${t.url}/healthz`);
    expect(h.status).toBe(200);
    const r = await fetch(`${t.url}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: "ready", checks: { cognito: true, s3: true } });
  });

  it("signs the admin in and `me` says ADMIN (access and ID tokens)", async () => {
    const r = await t.http<{
      signIn: { accessToken: string; idToken: string; refreshToken: string; expiresIn: number };
    }>(
      `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename ... on AuthTokens { accessToken idToken refreshToken expiresIn } } }`,
      { e: t.stack.admin.email.toUpperCase(), p: t.stack.admin.password },
    );
    expect(r.status).toBe(200);
    const tokens = r.body.data!.signIn;
    expect(tokens.expiresIn).toBeGreaterThan(0);
    for (const token of [tokens.accessToken, tokens.idToken]) {
      const me = await t.http<{ me: { role: string; email: string; customer: null; id: string } }>(
        ME,
        {},
        token,
      );
      expect(me.body.errors).toBeUndefined();
      expect(me.body.data!.me).toMatchObject({
        role: "ADMIN",
        email: t.stack.admin.email,
        customer: null,
      });
      expect(me.body.data!.me.id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("refreshes tokens with the refresh token from sign-in", async () => {
    const s = await t.exec<{ signIn: { refreshToken: string } }>(
      `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on AuthTokens { refreshToken } } }`,
      { e: t.stack.admin.email, p: t.stack.admin.password },
    );
    const r = await t.exec<{ refreshTokens: { accessToken: string } }>(
      `mutation($r: String!) { refreshTokens(refreshToken: $r) { accessToken } }`,
      { r: s.data!.signIn.refreshToken },
    );
    expect(r.errors).toBeUndefined();
    const me = await t.exec<{ me: { role: string } }>(ME, {}, r.data!.refreshTokens.accessToken);
    expect(me.data!.me.role).toBe("ADMIN");
    const bad = await t.exec(
      `mutation { refreshTokens(refreshToken: "not-a-token") { accessToken } }`,
    );
    expect(codes(bad)).toEqual(["UNAUTHENTICATED"]);
  });

  it("gives unknown email and wrong password the same UNAUTHENTICATED answer", async () => {
    const q = `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename } }`;
    const wrong = await t.exec(q, { e: t.stack.admin.email, p: "Wrong-password-123" });
    const unknown = await t.exec(q, { e: "nobody@example.test", p: "Wrong-password-123" });
    expect(codes(wrong)).toEqual(["UNAUTHENTICATED"]);
    expect(codes(unknown)).toEqual(["UNAUTHENTICATED"]);
    expect(wrong.errors![0]!.message).toBe(unknown.errors![0]!.message);
  });

  it("refuses `me` without a token, and bad, tampered and alg:none tokens with 401", async () => {
    const anon = await t.http(ME);
    expect(codes(anon.body)).toEqual(["UNAUTHENTICATED"]);
    const token = await t.adminToken();
    const [h, p, s] = token.split(".") as [string, string, string];
    const flip = (x: string) =>
      x[5] === "A" ? x.slice(0, 5) + "B" + x.slice(6) : x.slice(0, 5) + "A" + x.slice(6);
    const payload = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    const forged = Buffer.from(
      JSON.stringify({ ...payload, "cognito:groups": ["Admins"], sub: "x" }),
    ).toString("base64url");
    const none = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    for (const bad of [
      `${h}.${p}.${flip(s)}`,
      `${h}.${forged}.${s}`,
      `${none}.${p}.`,
      "garbage",
      `${h}.${p}`,
    ]) {
      const r = await t.http(ME, {}, bad);
      expect(r.status, bad).toBe(401);
      expect(codes(r.body), bad).toEqual(["UNAUTHENTICATED"]);
    }
  });

  it("sends CORS headers to allowed origins only", async () => {
    const pre = (origin: string) =>
      fetch(`${t.url}/graphql`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });
    const ok = await pre("http://localhost:5173");
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect(ok.headers.get("access-control-allow-headers")).toContain("authorization");
    const no = await pre("https://evil.example");
    expect(no.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses bodies over the limit with 413 and echoes a request id", async () => {
    const big = JSON.stringify({ query: `{ me { id } }`, pad: "x".repeat(1024 * 1024 + 10) });
    const r = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(r.status).toBe(413);
    const id = await fetch(`${t.url}/healthz`, { headers: { "x-request-id": "abc-123" } });
    expect(id.headers.get("x-request-id")).toBe("abc-123");
    const gen = await fetch(`${t.url}/healthz`);
    expect(gen.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("blocks CSRF-able GET queries without a preflight header", async () => {
    const r = await fetch(`${t.url}/graphql?query=${encodeURIComponent("{ me { id } }")}`);
    expect(r.status).toBe(400);
  });

  it("writes JSON log lines with request id and never a password or token", async () => {
    const token = await t.adminToken();
    await t.http(ME, {}, token);
    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.msg === "request" && typeof l.requestId === "string")).toBe(true);
    const all = t.logs.join("\n");
    expect(all).not.toContain(t.stack.admin.password);
    expect(all).not.toContain(token);
  });
});
