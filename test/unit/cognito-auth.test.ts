import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import {
  InitiateAuthCommand,
  NotAuthorizedException,
  RespondToAuthChallengeCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AuthRefused, CognitoAuth } from "../../src/aws/cognito-auth.js";

/**
 * SDK-level (a fake client's `send`): the local stand-in ignores SECRET_HASH, so only this shows
 * that every flow naming a user carries the hash AWS checks for a confidential client.
 */
function fakeClient(answer: (cmd: unknown) => unknown) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ name: cmd.constructor.name, input: cmd.input });
      return answer(cmd);
    },
  } as unknown as CognitoIdentityProviderClient;
  return { client, sent };
}

const expectedHash = (username: string) =>
  createHmac("sha256", "s3cret").update(`${username}client-1`).digest("base64");

const jwt = (claims: Record<string, unknown>) =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

describe("CognitoAuth (SDK-level fake client: the stand-in does not check SECRET_HASH)", () => {
  it("password, new-password, MFA and refresh flows all send SECRET_HASH for the username", async () => {
    const tokens = {
      AuthenticationResult: {
        AccessToken: jwt({ exp: Date.now() / 1000 + 3600 }),
        IdToken: jwt({ auth_time: 1 }),
        RefreshToken: "r",
      },
    };
    const { client, sent } = fakeClient(() => tokens);
    const auth = new CognitoAuth(client, "client-1", "s3cret");
    await auth.password("acme", "pw");
    await auth.newPassword("acme", "sess", "N3w!Passw0rd-x");
    await auth.mfaCode("admin.0123456789abcdef", "sess", "123456");
    await auth.refresh("acme", "r");
    expect(sent.map((s) => s.name)).toEqual([
      InitiateAuthCommand.name,
      RespondToAuthChallengeCommand.name,
      RespondToAuthChallengeCommand.name,
      InitiateAuthCommand.name,
    ]);
    const hashes = sent.map(
      (s) =>
        ((s.input.AuthParameters ?? s.input.ChallengeResponses) as Record<string, string>)
          .SECRET_HASH,
    );
    expect(hashes).toEqual([
      expectedHash("acme"),
      expectedHash("acme"),
      expectedHash("admin.0123456789abcdef"),
      expectedHash("acme"),
    ]);
    expect(sent[0]!.input.AuthFlow).toBe("USER_PASSWORD_AUTH");
    expect(sent[3]!.input.AuthFlow).toBe("REFRESH_TOKEN_AUTH");
  });

  it("a refusal is AuthRefused (its reason kept for audit lines), never Cognito's message", async () => {
    const { client } = fakeClient(() => {
      throw new NotAuthorizedException({
        message: "Incorrect username or password.",
        $metadata: {},
      });
    });
    const err = await new CognitoAuth(client, "client-1", "s3cret")
      .password("acme", "wrong")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthRefused);
    expect((err as AuthRefused).reason).toBe("NotAuthorizedException");
  });

  it("challenges come back as steps; an unknown challenge is refused", async () => {
    const answers = [
      { ChallengeName: "NEW_PASSWORD_REQUIRED", Session: "s1" },
      { ChallengeName: "SOFTWARE_TOKEN_MFA", Session: "s2" },
      { ChallengeName: "SMS_MFA", Session: "s3" },
    ];
    const { client } = fakeClient(() => answers.shift());
    const auth = new CognitoAuth(client, "client-1", "s3cret");
    expect(await auth.password("a", "p")).toEqual({ kind: "newPassword", session: "s1" });
    expect(await auth.password("a", "p")).toEqual({ kind: "mfa", session: "s2" });
    await expect(auth.password("a", "p")).rejects.toBeInstanceOf(AuthRefused);
  });
});
