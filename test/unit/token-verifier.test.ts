import { generateKeyPairSync, createSign } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TokenVerifier } from "../../src/auth/token-verifier.js";

const ISSUER = "http://127.0.0.1:1/local_test";
const CLIENT_ID = "client-1";
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" };

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
function sign(payload: Record<string, unknown>): string {
  const input = `${b64({ alg: "RS256", kid: "k1", typ: "JWT" })}.${b64(payload)}`;
  const sig = createSign("RSA-SHA256").update(input).sign(privateKey).toString("base64url");
  return `${input}.${sig}`;
}
function accessToken(over: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return sign({
    sub: "sub-1",
    username: "alice",
    token_use: "access",
    client_id: CLIENT_ID,
    iss: ISSUER,
    iat: now,
    exp: now + 3600,
    "cognito:groups": ["Customers"],
    ...over,
  });
}
const verifier = () =>
  new TokenVerifier({
    issuer: ISSUER,
    jwksUri: `${ISSUER}/.well-known/jwks.json`,
    clientId: CLIENT_ID,
    jwks: { keys: [jwk] } as never,
  });

describe("TokenVerifier cache of verified tokens", () => {
  afterEach(() => vi.useRealTimers());

  it("answers a verified token from the cache, and a tampered copy with the same signature never", async () => {
    const v = verifier();
    const token = accessToken();
    expect(await v.verify(token)).toMatchObject({ sub: "sub-1", username: "alice" });
    expect(await v.verify(token)).toMatchObject({ username: "alice" });
    // Same signature (so the same cache key), another payload: must be verified, and fail.
    const [h, , s] = token.split(".");
    const forged = `${h}.${b64({ sub: "sub-2", username: "admin", token_use: "access", client_id: CLIENT_ID, iss: ISSUER, exp: 9999999999, "cognito:groups": ["Admins"] })}.${s}`;
    await expect(v.verify(forged)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    // The genuine token still verifies afterwards.
    expect(await v.verify(token)).toMatchObject({ username: "alice" });
  });

  it("refuses a cached token once it has expired", async () => {
    const v = verifier();
    const now = Math.floor(Date.now() / 1000);
    const token = accessToken({ exp: now + 60 });
    await v.verify(token);
    vi.useFakeTimers();
    vi.setSystemTime((now + 61) * 1000);
    await expect(v.verify(token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("keeps at most cacheSize tokens", async () => {
    const v = new TokenVerifier({
      issuer: ISSUER,
      jwksUri: `${ISSUER}/.well-known/jwks.json`,
      clientId: CLIENT_ID,
      jwks: { keys: [jwk] } as never,
      cacheSize: 2,
    });
    for (const u of ["a", "b", "c"]) await v.verify(accessToken({ username: u }));
    expect((v as unknown as { cache: Map<string, unknown> }).cache.size).toBe(2);
  });
});
