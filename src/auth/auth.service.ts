import type {
  AuthenticationResultType,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { meetsPasswordPolicy } from "../config.js";
import type { CognitoUsers } from "../aws/cognito-users.js";
import { isUnavailable, rethrowAws, unavailable } from "../aws/errors.js";
import { BadUserInputError, UnauthenticatedError } from "../errors.js";
import type { Logger } from "../log.js";
import { normaliseEmail } from "./email.js";

export interface Tokens {
  accessToken: string;
  idToken: string;
  refreshToken: string | null;
  expiresIn: number;
}
export type SignInOutcome = Tokens | { session: string };

const BAD_CREDENTIALS = "Incorrect email or password";

/**
 * Sign-in flows against the pool's app client. The email is resolved to the Cognito user by the
 * API itself (one ListUsers call), so sign-in behaves the same on AWS and on the local stand-in,
 * which ignores email aliases. Unknown email, wrong password and disabled account all answer the
 * same UNAUTHENTICATED, so the API is no oracle for which emails exist.
 */
export class AuthService {
  constructor(
    private readonly cognito: CognitoIdentityProviderClient,
    private readonly users: CognitoUsers,
    private readonly clientId: string,
    /** Told when a user's record changes here (status INVITED → ACTIVE after a new password). */
    private readonly onUserChanged: (username: string) => void = () => undefined,
  ) {}

  async signIn(emailInput: string, password: string, log: Logger): Promise<SignInOutcome> {
    const email = normaliseEmail(emailInput);
    if (!email || password.length === 0 || password.length > 256)
      throw new UnauthenticatedError(BAD_CREDENTIALS);
    const user = await this.users.findByEmail(email);
    if (!user || !user.enabled) {
      log.info("sign-in refused", { action: "signIn", outcome: "refused" });
      throw new UnauthenticatedError(BAD_CREDENTIALS);
    }
    const r = await this.call(() =>
      this.cognito.send(
        new InitiateAuthCommand({
          ClientId: this.clientId,
          AuthFlow: "USER_PASSWORD_AUTH",
          AuthParameters: { USERNAME: user.username, PASSWORD: password },
        }),
      ),
    );
    if (r.ChallengeName === "NEW_PASSWORD_REQUIRED" && r.Session) {
      log.info("sign-in needs a new password", {
        action: "signIn",
        target: user.username,
        outcome: "challenge",
      });
      return { session: r.Session };
    }
    if (r.AuthenticationResult) {
      log.info("signed in", { action: "signIn", target: user.username, outcome: "ok" });
      return tokensOf(r.AuthenticationResult, null);
    }
    log.warn("sign-in challenge not supported", { action: "signIn", challenge: r.ChallengeName });
    throw new UnauthenticatedError("This account needs a sign-in step this API does not offer");
  }

  async completeNewPassword(
    emailInput: string,
    session: string,
    newPassword: string,
    log: Logger,
  ): Promise<Tokens> {
    if (!meetsPasswordPolicy(newPassword))
      throw new BadUserInputError(
        "The new password needs at least 12 characters with a lowercase and an uppercase letter, a digit and a symbol",
        "newPassword",
      );
    const email = normaliseEmail(emailInput);
    const user = email ? await this.users.findByEmail(email) : null;
    if (!user || !user.enabled || session.length === 0 || session.length > 4096)
      throw new UnauthenticatedError("The sign-in session is not valid; sign in again");
    const r = await this.call(() =>
      this.cognito.send(
        new RespondToAuthChallengeCommand({
          ClientId: this.clientId,
          ChallengeName: "NEW_PASSWORD_REQUIRED",
          Session: session,
          ChallengeResponses: { USERNAME: user.username, NEW_PASSWORD: newPassword },
        }),
      ),
    );
    this.onUserChanged(user.username);
    if (!r.AuthenticationResult)
      throw new UnauthenticatedError("The sign-in session is not valid; sign in again");
    log.info("new password set", {
      action: "completeNewPassword",
      target: user.username,
      outcome: "ok",
    });
    return tokensOf(r.AuthenticationResult, null);
  }

  async refresh(refreshToken: string): Promise<Tokens> {
    if (refreshToken.length === 0 || refreshToken.length > 8192)
      throw new UnauthenticatedError("The refresh token is not valid; sign in again");
    const r = await this.call(() =>
      this.cognito.send(
        new InitiateAuthCommand({
          ClientId: this.clientId,
          AuthFlow: "REFRESH_TOKEN_AUTH",
          AuthParameters: { REFRESH_TOKEN: refreshToken },
        }),
      ),
    );
    if (!r.AuthenticationResult)
      throw new UnauthenticatedError("The refresh token is not valid; sign in again");
    return tokensOf(r.AuthenticationResult, null);
  }

  /** Maps Cognito's answers to the public codes; its own messages never reach clients. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isUnavailable(err)) throw unavailable(err);
      const name = (err as { name?: string }).name;
      switch (name) {
        case "NotAuthorizedException":
        case "UserNotFoundException":
        case "InvalidPasswordException" /* cognito-local's answer to a wrong password */:
        case "PasswordResetRequiredException":
        case "UserNotConfirmedException":
        case "CodeMismatchException":
        case "ExpiredCodeException":
          throw new UnauthenticatedError(BAD_CREDENTIALS);
        default:
          rethrowAws(err);
      }
    }
  }
}

function tokensOf(a: AuthenticationResultType, fallbackRefresh: string | null): Tokens {
  if (!a.AccessToken || !a.IdToken) throw new Error("Cognito returned no tokens");
  return {
    accessToken: a.AccessToken,
    idToken: a.IdToken,
    refreshToken: a.RefreshToken ?? fallbackRefresh,
    expiresIn: a.ExpiresIn ?? secondsLeft(a.AccessToken),
  };
}

/** cognito-local omits ExpiresIn; read it from the token's own `exp`. */
function secondsLeft(jwt: string): number {
  try {
    const payload = JSON.parse(
      Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"),
    ) as {
      exp?: number;
    };
    return typeof payload.exp === "number"
      ? Math.max(0, Math.round(payload.exp - Date.now() / 1000))
      : 3600;
  } catch {
    return 3600;
  }
}
