import {
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { createHmac, createPublicKey, generateKeyPairSync, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";
import { makeWorld } from "./world.js";
import type { World } from "./world.js";

type Claims = Record<string, unknown>;
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString()) as Claims;

/** cognito-local signs every token with one static RSA key shipped in its package. */
function emulatorPrivateKey(): string {
  const require = createRequire(path.join(process.cwd(), "package.json"));
  const file = require.resolve("cognito-local/lib/keys/cognitoLocal.private.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { pem: string }).pem;
}

function signRs256(header: Claims, payload: Claims, pem: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign("RSA-SHA256", Buffer.from(input), pem).toString("base64url")}`;
}

const ME = `{ me { id role } }`;
const SIGN_IN = `mutation { signIn(email: "nobody@example.test", password: "irrelevant-1A!") { __typename } }`;

describe("hostile tokens: every one UNAUTHENTICATED with 401, none a 5xx (local stand-ins)", () => {
  let t: TestApp;
  let w: World;
  let pem: string;
  let header: Claims;
  let access: Claims;
  let id: Claims;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    t = await startTestApp();
    w = await makeWorld(t);
    pem = emulatorPrivateKey();
    header = decode(w.tokens.customerSelf!.split(".")[0]!);
    access = decode(w.tokens.customerSelf!.split(".")[1]!);
    const s = await t.exec<{ signIn: { idToken: string } }>(
      `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on AuthTokens { idToken } } }`,
      { e: w.acme.email, p: w.acme.password },
    );
    id = decode(s.data!.signIn.idToken.split(".")[1]!);
  });
  afterAll(() => t?.stop());

  const refused = async (token: string, label: string) => {
    for (const query of [ME, SIGN_IN]) {
      const r = await t.http(query, {}, token);
      expect(r.status, label).toBe(401);
      expect(codes(r.body), label).toEqual(["UNAUTHENTICATED"]);
    }
  };

  it("accepts a token re-minted with the emulator's key and the same claims (the forging works)", async () => {
    for (const claims of [access, id]) {
      const token = signRs256(header, { ...claims, iat: now(), exp: now() + 600 }, pem);
      const r = await t.http<{ me: { role: string } }>(ME, {}, token);
      expect(r.body.data?.me.role).toBe("CUSTOMER");
    }
  });

  it("refuses expired and not-yet-valid tokens", async () => {
    for (const claims of [access, id]) {
      await refused(
        signRs256(header, { ...claims, iat: now() - 7200, exp: now() - 60 }, pem),
        "expired",
      );
      await refused(
        signRs256(header, { ...claims, iat: now(), nbf: now() + 3600, exp: now() + 7200 }, pem),
        "not yet valid",
      );
    }
  });

  it("refuses a bad signature, alg none, HS256 signed with the public key, and another key with the same kid", async () => {
    const [h, p, s] = w.tokens.customerSelf!.split(".") as [string, string, string];
    const flipped = s.slice(0, 10) + (s[10] === "A" ? "B" : "A") + s.slice(11);
    await refused(`${h}.${p}.${flipped}`, "bad signature");
    await refused(`${b64({ alg: "none", typ: "JWT" })}.${p}.`, "alg none");
    await refused(`${b64({ ...header, alg: "none" })}.${p}.${s}`, "alg none, old signature");

    const jwks = (await (await fetch(t.stack.cognito.jwksUri)).json()) as {
      keys: Record<string, unknown>[];
    };
    const publicPem = createPublicKey({ key: jwks.keys[0]!, format: "jwk" })
      .export({ type: "spki", format: "pem" })
      .toString();
    const hsHeader = { ...header, alg: "HS256" };
    const input = `${b64(hsHeader)}.${p}`;
    for (const secret of [publicPem, JSON.stringify(jwks.keys[0])]) {
      const mac = createHmac("sha256", secret).update(input).digest("base64url");
      await refused(`${input}.${mac}`, "HS256 with the public key");
    }

    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    await refused(
      signRs256(header, { ...access, "cognito:groups": ["Admins"] }, other.toString()),
      "other key, same kid",
    );
  });

  it("refuses tokens of another issuer, another pool, another app client, or another token use", async () => {
    const iss = String(access.iss);
    const poolHost = iss.slice(0, iss.lastIndexOf("/"));
    const cases: [string, Claims][] = [
      ["other issuer", { ...access, iss: "https://cognito-idp.eu-west-1.amazonaws.com/x_Y" }],
      ["other pool", { ...access, iss: `${poolHost}/local_0therP00l` }],
      ["other app client (access)", { ...access, client_id: "0ther-client-id" }],
      ["other app client (id)", { ...id, aud: "0ther-client-id" }],
      ["no client", { ...access, client_id: undefined }],
      ["token_use refresh", { ...access, token_use: "refresh" }],
      ["no token_use", { ...access, token_use: undefined }],
    ];
    for (const [label, claims] of cases)
      await refused(signRs256(header, { ...claims, iat: now(), exp: now() + 600 }, pem), label);
  });

  it("refuses the refresh token as a bearer token", async () => {
    const s = await t.exec<{ signIn: { refreshToken: string } }>(
      `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on AuthTokens { refreshToken } } }`,
      { e: w.acme.email, p: w.acme.password },
    );
    const refresh = s.data!.signIn.refreshToken;
    expect(refresh).toEqual(expect.any(String));
    const r = await t.http(ME, {}, refresh);
    expect(r.status).toBe(401);
    expect(codes(r.body)).toEqual(["UNAUTHENTICATED"]);
  });

  it("refuses the still-valid tokens of a deleted user and of a disabled user", async () => {
    const poolId = t.stack.cognito.userPoolId;
    const gone = await w.makeUser({ groups: ["Customers"], customerId: `gone-${w.tag}` });
    const goneToken = await t.signIn(gone.email, gone.password);
    await w.cognito.send(
      new AdminDeleteUserCommand({ UserPoolId: poolId, Username: gone.username }),
    );
    await refused(goneToken, "deleted user");
    await refused(w.tokens.disabled!, "disabled user");
    // Disabled through the API after its token was used (its record cached): refused at once.
    const c = await w.makeCustomer();
    const cToken = await t.signIn(c.email, c.temporaryPassword, "Fresh-password-123!");
    expect((await t.http(ME, {}, cToken)).status).toBe(200);
    const off = await t.exec(
      `mutation($id: ID!) { updateCustomer(id: $id, input: { enabled: false }) { status } }`,
      { id: c.id },
      w.tokens.admin,
    );
    expect(off.errors).toBeUndefined();
    await refused(cToken, "disabled through the API after use");
  });

  it("a user disabled outside the API is refused once the cached record expires (bounded staleness)", async () => {
    // A second app on the same stand-ins with a 1-second user cache.
    const quick = await startTestApp({ stack: t.stack, settings: { userCacheTtlSeconds: 1 } });
    try {
      const u = await w.makeUser({ groups: ["Customers"], customerId: `stale-${w.tag}` });
      const token = await quick.signIn(u.email, u.password);
      expect((await quick.http(ME, {}, token)).status).toBe(200); // record now cached
      await w.cognito.send(
        new AdminDisableUserCommand({
          UserPoolId: t.stack.cognito.userPoolId,
          Username: u.username,
        }),
      );
      let status = 200;
      for (let i = 0; i < 40 && status === 200; i++) {
        await new Promise((r) => setTimeout(r, 250));
        status = (await quick.http(ME, {}, token)).status;
      }
      expect(status).toBe(401);
    } finally {
      await quick.stop();
    }
  });

  it("refuses malformed Authorization headers", async () => {
    for (const value of [
      "Bearer",
      "Bearer ",
      "Basic abc",
      "Bearer a.b",
      "Bearer a.b.c.d",
      "x".repeat(9000),
    ]) {
      const res = await fetch(`${t.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: value },
        body: JSON.stringify({ query: ME }),
      });
      expect(res.status, value.slice(0, 20)).toBe(401);
    }
  });
});
