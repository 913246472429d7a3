import { CognitoJwtVerifier } from "aws-jwt-verify";
import { NonRetryableFetchError, ParameterValidationError } from "aws-jwt-verify/error";
import { createSign, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenVerifier, cognitoIssuer, jwksFetcher } from "../../src/auth/token-verifier.js";

/**
 * Which aws-jwt-verify verifier checks the API's tokens, and why the stand-in cannot use the
 * one AWS does. Network blocked: keys are generated here and the JWKS is handed over or served
 * from 127.0.0.1.
 */

const POOL = "eu-west-1_AbCdEf123";
const AWS_ISSUER = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`;
const LOCAL_POOL = "local_4Rk9pQ2x";
const LOCAL_ISSUER = `http://127.0.0.1:9229/${LOCAL_POOL}`;
const CLIENT_ID = "client-1";

const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwks = {
  keys: [{ ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" }],
} as never;
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
function sign(payload: Record<string, unknown>, kid = "k1"): string {
  const input = `${b64({ alg: "RS256", kid, typ: "JWT" })}.${b64(payload)}`;
  return `${input}.${createSign("RSA-SHA256").update(input).sign(privateKey).toString("base64url")}`;
}
const now = () => Math.floor(Date.now() / 1000);
/** A token as Cognito issues it: access tokens name the client in client_id, ID tokens in aud. */
function token(use: "access" | "id", iss: string, over: Record<string, unknown>): string {
  return sign({
    sub: "sub-1",
    token_use: use,
    ...(use === "access"
      ? { username: "alice", client_id: CLIENT_ID }
      : { "cognito:username": "alice", aud: CLIENT_ID }),
    iss,
    iat: now() - 10,
    auth_time: now() - 600,
    exp: now() + 3600,
    ...over,
  });
}
const access = (iss: string, over: Record<string, unknown> = {}) => token("access", iss, over);
const id = (iss: string, over: Record<string, unknown> = {}) => token("id", iss, over);

describe("CognitoJwtVerifier and the stand-in: exactly what differs", () => {
  it("refuses the stand-in's pool id at construction: the id must be <region>_<id>", () => {
    expect(() =>
      CognitoJwtVerifier.create({ userPoolId: LOCAL_POOL, clientId: CLIENT_ID, tokenUse: null }),
    ).toThrow(ParameterValidationError);
    expect(() =>
      CognitoJwtVerifier.create({ userPoolId: LOCAL_POOL, clientId: CLIENT_ID, tokenUse: null }),
    ).toThrow(`Invalid Cognito User Pool ID: ${LOCAL_POOL}`);
    // The check is the pool id's region prefix; nothing else about the id.
    for (const ok of [POOL, "us-gov-west-1_x1", "ap-southeast-2_Z"])
      expect(cognitoIssuer(ok), ok).toBe(
        `https://cognito-idp.${ok.split("_")[0]}.amazonaws.com/${ok}`,
      );
    for (const bad of [LOCAL_POOL, "local_abc", "eu-west-1", "eu-west-1_", "EU-WEST-1_abc"])
      expect(cognitoIssuer(bad), bad).toBeUndefined();
  });

  it("derives the issuer and JWKS URI from the pool id: Cognito's https host, never an endpoint override", () => {
    expect(CognitoJwtVerifier.parseUserPoolId(POOL)).toEqual({
      issuer: AWS_ISSUER,
      jwksUri: `${AWS_ISSUER}/.well-known/jwks.json`,
    });
  });

  it("with an id it accepts, the stand-in's tokens still fail on the issuer alone", async () => {
    const v = CognitoJwtVerifier.create({ userPoolId: POOL, clientId: CLIENT_ID, tokenUse: null });
    v.cacheJwks(jwks);
    // Same key, same claims: only `iss` differs. CognitoJwtVerifier knows two issuers per pool
    // (Cognito's regional and global host names) and refuses any other before checking anything.
    await expect(v.verify(access(AWS_ISSUER))).resolves.toMatchObject({ username: "alice" });
    await expect(
      v.verify(access(`https://issuer-cognito-idp.eu-west-1.amazonaws.com/${POOL}`)),
    ).resolves.toMatchObject({ username: "alice" });
    const standIn = `http://127.0.0.1:9229/${POOL}`;
    await expect(v.verify(access(standIn))).rejects.toThrow(
      new ParameterValidationError(`issuer not configured: ${standIn}`),
    );
  });
});

describe("TokenVerifier picks the verifier by issuer", () => {
  it("Cognito's own issuer for the pool → CognitoJwtVerifier; anything else → JwtVerifier", () => {
    const opts = { jwksUri: "unused", clientId: CLIENT_ID };
    expect(new TokenVerifier({ ...opts, issuer: AWS_ISSUER, userPoolId: POOL }).kind).toBe(
      "cognito",
    );
    // A stand-in, or an AWS-looking pool behind an endpoint override.
    expect(new TokenVerifier({ ...opts, issuer: LOCAL_ISSUER, userPoolId: LOCAL_POOL }).kind).toBe(
      "jwks",
    );
    expect(
      new TokenVerifier({ ...opts, issuer: `http://127.0.0.1:9229/${POOL}`, userPoolId: POOL })
        .kind,
    ).toBe("jwks");
    expect(new TokenVerifier({ ...opts, issuer: AWS_ISSUER }).kind).toBe("jwks");
  });

  // The same cases against both kinds: the claim checks are the same, only the issuer differs.
  for (const [kind, issuer, pool] of [
    ["cognito", AWS_ISSUER, POOL],
    ["jwks", LOCAL_ISSUER, LOCAL_POOL],
  ] as const) {
    const verifier = () =>
      new TokenVerifier({
        issuer,
        jwksUri: `${issuer}/.well-known/jwks.json`,
        clientId: CLIENT_ID,
        userPoolId: pool,
        jwks,
      });

    it(`${kind}: accepts access and ID tokens of this client, with auth_time as authTime`, async () => {
      const v = verifier();
      expect(v.kind).toBe(kind);
      const authTime = now() - 600;
      expect(await v.verify(access(issuer, { auth_time: authTime }))).toMatchObject({
        username: "alice",
        tokenUse: "access",
        authTime,
      });
      expect(await v.verify(id(issuer, { auth_time: authTime }))).toMatchObject({
        username: "alice",
        tokenUse: "id",
        authTime,
      });
    });

    it(`${kind}: authTime falls back to iat for a token without auth_time`, async () => {
      const iat = now() - 5;
      expect(await verifier().verify(access(issuer, { auth_time: undefined, iat }))).toMatchObject({
        authTime: iat,
      });
    });

    it(`${kind}: refuses another issuer, another client, another token_use, expiry and an unknown key`, async () => {
      const v = verifier();
      const other = kind === "cognito" ? LOCAL_ISSUER : AWS_ISSUER;
      for (const token of [
        access(other),
        access(issuer, { client_id: "client-2" }),
        id(issuer, { aud: "client-2" }),
        access(issuer, { token_use: "refresh" }),
        access(issuer, { token_use: undefined }),
        access(issuer, { exp: now() - 1 }),
        sign(
          { ...JSON.parse(Buffer.from(access(issuer).split(".")[1]!, "base64url").toString()) },
          "k2",
        ),
      ])
        await expect(v.verify(token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    });
  }
});

describe("jwksFetcher: the stand-in's JWKS over plain http", () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? "");
      if (req.url === `/${LOCAL_POOL}/.well-known/jwks.json`) {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(jwks));
      } else {
        res.statusCode = 404;
        res.end("no");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("downloads over http, and refuses a non-200 answer without retrying", async () => {
    const uri = `${base}/${LOCAL_POOL}/.well-known/jwks.json`;
    const f = jwksFetcher(uri, 2000);
    const body = await f.fetch(uri);
    expect(JSON.parse(Buffer.from(body).toString())).toEqual(jwks);
    hits.length = 0;
    await expect(f.fetch(`${base}/missing`)).rejects.toThrow(NonRetryableFetchError);
    expect(hits).toEqual(["/missing"]);
  });

  it("a stand-in verifier loads the JWKS on hydrate() and verifies with it", async () => {
    hits.length = 0;
    const issuer = `${base}/${LOCAL_POOL}`;
    const v = new TokenVerifier({
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      clientId: CLIENT_ID,
      userPoolId: LOCAL_POOL,
    });
    await v.hydrate();
    expect(hits).toEqual([`/${LOCAL_POOL}/.well-known/jwks.json`]);
    expect(await v.verify(access(issuer))).toMatchObject({ username: "alice" });
    expect(hits).toHaveLength(1);
  });
});
