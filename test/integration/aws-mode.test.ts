import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { print } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MeDocument, SignInDocument } from "../../src/client/index.js";
import { createLocalCognitoClient } from "../../src/local/stack.js";
import type { LocalStack } from "../../src/local/stack.js";
import { startAwsModeApp } from "../helpers/aws-mode.js";
import type { AwsModeApp } from "../helpers/aws-mode.js";
import { startPrivateTestStack } from "../helpers/stack.js";

/**
 * The API in AWS mode (COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID, S3_BUCKET, AWS_REGION, with
 * COGNITO_ENDPOINT / S3_ENDPOINT at the stand-ins), started the way `npm start` and the Lambda
 * handler start it: the AWS branches run for real — backends from config, verifier construction,
 * the JWKS fetched over the network, issuer and client checks, credentials from the
 * environment, readiness. What the stand-in cannot show (CognitoJwtVerifier on a real pool id)
 * is tested in test/unit/cognito-verifier.test.ts.
 */

const payloadOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString()) as Record<
    string,
    unknown
  >;
const headerOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[0] ?? "", "base64url").toString()) as { kid: string };

async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
): Promise<{
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
}> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as never };
}

/** Signs in straight at the stand-in with an app client of a pool (a password the user keeps). */
async function directTokens(
  cognito: CognitoIdentityProviderClient,
  clientId: string,
  username: string,
  password: string,
): Promise<{ access: string; id: string }> {
  const r = await cognito.send(
    new InitiateAuthCommand({
      AuthFlow: "USER_PASSWORD_AUTH",
      ClientId: clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  );
  const a = r.AuthenticationResult;
  if (!a?.AccessToken || !a.IdToken) throw new Error(`no tokens: ${JSON.stringify(r)}`);
  return { access: a.AccessToken, id: a.IdToken };
}

describe("the API in AWS mode, against the stand-ins", () => {
  let stack: LocalStack;
  let api: AwsModeApp;
  let cognito: CognitoIdentityProviderClient;
  let adminToken: string;

  beforeAll(async () => {
    stack = await startPrivateTestStack();
    cognito = createLocalCognitoClient(stack);
    // Cognito is down while the API starts: the JWKS cannot be loaded yet, and must be fetched
    // on the first request instead (see "fetches the JWKS ..." below).
    await stack.stopCognito();
    api = await startAwsModeApp(stack, { captureLogs: true });
    await stack.startCognito();
  }, 60_000);
  afterAll(async () => {
    cognito?.destroy();
    await api?.stop();
    await stack?.stop();
  });

  it("runs in AWS mode with the issuer and JWKS URI of the stand-in's pool", () => {
    expect(api.config.mode).toBe("aws");
    expect(api.config.local).toBeUndefined();
    expect(api.config.production).toBe(true);
    const issuer = `${stack.cognito.endpoint}/${stack.cognito.userPoolId}`;
    expect(api.backends.cognito).toMatchObject({
      userPoolId: stack.cognito.userPoolId,
      clientId: stack.cognito.clientId,
      issuer,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      endpoint: stack.cognito.endpoint,
    });
    // No credentials in the backends: the SDK's default chain finds them in the environment.
    expect(api.backends.cognito.credentials).toBeUndefined();
    expect(api.backends.s3.credentials).toBeUndefined();
    expect(api.backends.s3.forcePathStyle).toBe(true);
  });

  it("fetches the JWKS on the first request when it could not at start, then verifies the stand-in's tokens", async () => {
    expect(api.logs.some((l) => l.includes("JWKS not loaded yet"))).toBe(true);
    const r = await gql(api.url, print(SignInDocument), {
      email: stack.admin.email,
      password: stack.admin.password,
    });
    const signIn = r.body.data?.signIn as { __typename: string; accessToken: string };
    expect(signIn.__typename).toBe("AuthTokens");
    adminToken = signIn.accessToken;
    const me = await gql(api.url, print(MeDocument), {}, adminToken);
    expect(me.status).toBe(200);
    expect(me.body.data?.me).toMatchObject({ email: stack.admin.email, role: "ADMIN" });
  });

  it("refuses a token of another pool signed with the same key: the issuer check alone stops it", async () => {
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: "elsewhere" }));
    const poolId = pool.UserPool?.Id as string;
    const client = await cognito.send(
      new CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: "elsewhere" }),
    );
    // Same username as the API's admin: without the issuer check the token would name them.
    const password = "Elsewhere#Passw0rd";
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: stack.admin.username,
        MessageAction: "SUPPRESS",
        TemporaryPassword: password,
      }),
    );
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: poolId,
        Username: stack.admin.username,
        Password: password,
        Permanent: true,
      }),
    );
    const foreign = await directTokens(
      cognito,
      client.UserPoolClient?.ClientId as string,
      stack.admin.username,
      password,
    );
    expect(headerOf(foreign.access).kid).toBe(headerOf(adminToken).kid);
    expect(payloadOf(foreign.access).iss).toBe(`${stack.cognito.endpoint}/${poolId}`);
    for (const token of [foreign.access, foreign.id]) {
      const r = await gql(api.url, print(MeDocument), {}, token);
      expect(r.status).toBe(401);
      expect(r.body.errors?.[0]).toMatchObject({
        message: "The token is not valid for this API",
        extensions: { code: "UNAUTHENTICATED" },
      });
    }
  });

  it("refuses tokens of another app client of the same pool (client_id / aud check)", async () => {
    const other = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: stack.cognito.userPoolId,
        ClientName: "other-client",
      }),
    );
    const tokens = await directTokens(
      cognito,
      other.UserPoolClient?.ClientId as string,
      stack.admin.username,
      stack.admin.password,
    );
    expect(payloadOf(tokens.access).iss).toBe(payloadOf(adminToken).iss);
    expect(payloadOf(tokens.access).client_id).not.toBe(stack.cognito.clientId);
    for (const token of [tokens.access, tokens.id]) {
      const r = await gql(api.url, print(MeDocument), {}, token);
      expect(r.status).toBe(401);
      expect(r.body.errors?.[0]?.message).toBe("The token is not valid for this API");
    }
    // The same user through the API's own client is fine.
    expect((await gql(api.url, print(MeDocument), {}, adminToken)).status).toBe(200);
  });

  it("reports readiness from both dependencies: 200 when they answer, 503 naming the one that does not", async () => {
    const ready = async () => {
      const res = await fetch(`${api.url}/readyz`);
      return { status: res.status, body: (await res.json()) as unknown };
    };
    expect(await ready()).toEqual({
      status: 200,
      body: { status: "ready", checks: { cognito: true, s3: true } },
    });
    await stack.stopS3();
    try {
      // Readiness answers from a short cache: the outage shows once it expires.
      await expect.poll(ready).toEqual({
        status: 503,
        body: { status: "unavailable", checks: { cognito: true, s3: false } },
      });
    } finally {
      await stack.startS3();
    }
    await expect.poll(async () => (await ready()).status).toBe(200);
  }, 30_000);
});
