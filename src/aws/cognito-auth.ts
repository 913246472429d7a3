import { createHmac } from "node:crypto";
import type {
  AuthenticationResultType,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  AssociateSoftwareTokenCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  VerifySoftwareTokenCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { awsErrorName, rethrowAws } from "./errors.js";

export interface CognitoTokens {
  readonly accessToken: string;
  readonly idToken: string;
  /** Cognito's own refresh token (never handed to clients as it is). */
  readonly refreshToken: string | null;
  /** Seconds until the access and ID tokens expire. */
  readonly expiresIn: number;
}

/** What one step of Cognito's sign-in answered. */
export type AuthStep =
  | { readonly kind: "tokens"; readonly tokens: CognitoTokens }
  | { readonly kind: "newPassword"; readonly session: string }
  | { readonly kind: "mfa"; readonly session: string };

/**
 * Cognito's answers that mean "not with these credentials" (wrong password or code, unknown user,
 * disabled user, expired session …), as opposed to an outage or a bad request of ours. The local
 * stand-in answers a wrong password with InvalidPasswordException; AWS uses that name for a new
 * password its policy refuses, which the API checks before asking.
 */
const REFUSALS = new Set([
  "NotAuthorizedException",
  "UserNotFoundException",
  "InvalidPasswordException",
  "PasswordResetRequiredException",
  "UserNotConfirmedException",
  "CodeMismatchException",
  "ExpiredCodeException",
  "EnableSoftwareTokenMFAException",
]);

/** Thrown when Cognito refuses the credentials; `reason` is its error name, for audit lines. */
export class AuthRefused extends Error {
  constructor(readonly reason: string) {
    super(`Cognito refused: ${reason}`);
    this.name = "AuthRefused";
  }
}

/**
 * Cognito's sign-in API for one confidential app client. Every call that names a user carries
 * SECRET_HASH, which only a holder of the client secret can compute: the password and refresh
 * flows cannot be run against the pool from outside the API. (The local stand-in does not check
 * SECRET_HASH; a test checks what is sent.)
 */
export class CognitoAuth {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly clientId: string,
    private readonly clientSecret: string,
  ) {}

  /** Base64 HMAC-SHA256 of username + client id, keyed with the client secret. */
  secretHash(username: string): string {
    return createHmac("sha256", this.clientSecret)
      .update(username + this.clientId)
      .digest("base64");
  }

  password(username: string, password: string): Promise<AuthStep> {
    return this.step(() =>
      this.client.send(
        new InitiateAuthCommand({
          ClientId: this.clientId,
          AuthFlow: "USER_PASSWORD_AUTH",
          AuthParameters: {
            USERNAME: username,
            PASSWORD: password,
            SECRET_HASH: this.secretHash(username),
          },
        }),
      ),
    );
  }

  newPassword(username: string, session: string, newPassword: string): Promise<AuthStep> {
    return this.respond("NEW_PASSWORD_REQUIRED", session, {
      USERNAME: username,
      NEW_PASSWORD: newPassword,
      SECRET_HASH: this.secretHash(username),
    });
  }

  mfaCode(username: string, session: string, code: string): Promise<AuthStep> {
    return this.respond("SOFTWARE_TOKEN_MFA", session, {
      USERNAME: username,
      SOFTWARE_TOKEN_MFA_CODE: code,
      SECRET_HASH: this.secretHash(username),
    });
  }

  async refresh(username: string, refreshToken: string): Promise<CognitoTokens> {
    const step = await this.step(() =>
      this.client.send(
        new InitiateAuthCommand({
          ClientId: this.clientId,
          AuthFlow: "REFRESH_TOKEN_AUTH",
          AuthParameters: { REFRESH_TOKEN: refreshToken, SECRET_HASH: this.secretHash(username) },
        }),
      ),
    );
    if (step.kind !== "tokens") throw new AuthRefused(`unexpected challenge on refresh`);
    return step.tokens;
  }

  /** Starts authenticator-app (TOTP) setup for the holder of this access token: the secret. */
  async associateTotp(accessToken: string): Promise<string> {
    const response = await this.call(() =>
      this.client.send(new AssociateSoftwareTokenCommand({ AccessToken: accessToken })),
    );
    if (!response.SecretCode) throw new Error("AssociateSoftwareToken returned no secret");
    return response.SecretCode;
  }

  /** Checks a code from the app being set up and, when it is right, makes TOTP the user's MFA. */
  async enableTotp(accessToken: string, code: string): Promise<void> {
    const response = await this.call(async () => {
      try {
        return await this.client.send(
          new VerifySoftwareTokenCommand({ AccessToken: accessToken, UserCode: code }),
        );
      } catch (err) {
        // No secret associated yet (setup not begun): a code cannot match.
        if (awsErrorName(err) === "InvalidParameterException")
          throw new AuthRefused("InvalidParameterException");
        throw err;
      }
    });
    if (response.Status !== "SUCCESS")
      throw new AuthRefused(`VerifySoftwareToken ${response.Status ?? ""}`);
    await this.call(() =>
      this.client.send(
        new SetUserMFAPreferenceCommand({
          AccessToken: accessToken,
          SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
        }),
      ),
    );
  }

  private respond(
    challenge: "NEW_PASSWORD_REQUIRED" | "SOFTWARE_TOKEN_MFA",
    session: string,
    responses: Record<string, string>,
  ): Promise<AuthStep> {
    return this.step(() =>
      this.client.send(
        new RespondToAuthChallengeCommand({
          ClientId: this.clientId,
          ChallengeName: challenge,
          Session: session,
          ChallengeResponses: responses,
        }),
      ),
    );
  }

  private async step(
    send: () => Promise<{
      ChallengeName?: string;
      Session?: string;
      AuthenticationResult?: AuthenticationResultType;
    }>,
  ): Promise<AuthStep> {
    const response = await this.call(send);
    if (response.AuthenticationResult)
      return { kind: "tokens", tokens: tokensOf(response.AuthenticationResult) };
    if (response.ChallengeName === "NEW_PASSWORD_REQUIRED" && response.Session)
      return { kind: "newPassword", session: response.Session };
    if (response.ChallengeName === "SOFTWARE_TOKEN_MFA" && response.Session)
      return { kind: "mfa", session: response.Session };
    // SMS, email OTP, device or custom challenges: this pool offers none of them.
    throw new AuthRefused(`unsupported challenge ${response.ChallengeName ?? "(none)"}`);
  }

  /** Refusals become AuthRefused; outages SERVICE_UNAVAILABLE; anything else passes on. */
  private async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      const name = awsErrorName(err);
      if (name !== undefined && REFUSALS.has(name)) throw new AuthRefused(name);
      rethrowAws(err);
    }
  }
}

function tokensOf(result: AuthenticationResultType): CognitoTokens {
  if (!result.AccessToken || !result.IdToken) throw new Error("Cognito returned no tokens");
  return {
    accessToken: result.AccessToken,
    idToken: result.IdToken,
    refreshToken: result.RefreshToken ?? null,
    expiresIn: result.ExpiresIn ?? secondsLeft(result.AccessToken),
  };
}

/** The local stand-in omits ExpiresIn: read it from the token's own `exp`. */
function secondsLeft(jwt: string): number {
  const exp = jwtClaim(jwt, "exp");
  return typeof exp === "number" ? Math.max(0, Math.round(exp - Date.now() / 1000)) : 3600;
}

/**
 * One claim of a JWT Cognito just returned to this server, read without verifying it (it came
 * straight from Cognito over TLS; tokens from clients are verified in token-verifier.ts).
 */
export function jwtClaim(jwt: string, claim: string): unknown {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"));
    return (payload as Record<string, unknown>)[claim];
  } catch {
    return undefined;
  }
}
