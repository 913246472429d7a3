import { createHash } from "node:crypto";
import type { CachedUsers } from "../aws/cached-users.js";
import type { AuthStep, CognitoAuth, CognitoTokens } from "../aws/cognito-auth.js";
import { AuthRefused, jwtClaim } from "../aws/cognito-auth.js";
import type { CognitoUsers, UserRecord } from "../aws/cognito-users.js";
import { AppError, BadUserInputError, UnauthenticatedError } from "../errors.js";
import type { Logger } from "../log.js";
import { audit } from "../audit.js";
import { normaliseEmail } from "./email.js";
import { PASSWORD_POLICY_MESSAGE, meetsPasswordPolicy } from "./password-policy.js";
import { afterRevocation } from "./sessions.js";
import type { Challenge, SessionSeals } from "./sessions.js";
import type { SignInThrottle } from "./throttle.js";

export interface Tokens {
  accessToken: string;
  idToken: string;
  refreshToken: string | null;
  expiresIn: number;
}

/** What signIn answers: tokens, or a challenge to complete with the sealed session. */
export type SignInOutcome =
  Tokens | { readonly challenge: "newPassword" | "mfa"; readonly session: string };

/** Who is asking, for the throttle and the audit lines. */
export interface Caller {
  readonly log: Logger;
  /** The client's address (the socket's, or API Gateway's sourceIp). */
  readonly source: string;
}

export const BAD_CREDENTIALS = "Incorrect email or password";
export const SESSION_INVALID = "The sign-in session is not valid or has expired; sign in again";
export const REFRESH_INVALID = "The refresh token is not valid or has expired; sign in again";
export const BAD_CODE = "The code is not valid; check your authenticator app and try again";

/**
 * Password sign-in and its follow-ups, run by the API alone (the app client is confidential).
 *
 * - Unknown email, wrong password and disabled account take the same path — one ListUsers and
 *   one InitiateAuth, an unknown email with a username nobody has — and get the same answer.
 * - Only a verified email that exactly one user holds signs in (see CognitoUsers.findSignInUser).
 * - Challenge sessions and refresh tokens are sealed (sessions.ts): a made-up session, another
 *   user's session or an expired one are refused alike, and a challenge is only answered while
 *   the account is in that state.
 * - Failures count against the email and the source address (throttle.ts); a failure for an
 *   existing account is an audit line (account, source, outcome — never a password).
 */
export class SignInService {
  constructor(
    private readonly cognito: CognitoAuth,
    private readonly users: CognitoUsers,
    private readonly cache: CachedUsers,
    private readonly seals: SessionSeals,
    private readonly throttle: SignInThrottle,
    private readonly now: () => number = Date.now,
  ) {}

  async signIn(emailInput: string, password: string, caller: Caller): Promise<SignInOutcome> {
    const account = accountKey(emailInput);
    await this.throttled(account, caller, "signIn");
    const email = normaliseEmail(emailInput);
    if (!email || password.length === 0 || password.length > 256)
      return this.refuse(account, caller, "signIn", null, "invalid_input", BAD_CREDENTIALS);
    const user = await this.users.findSignInUser(email);
    if (user) await afterRevocation(user.revokedAt, this.now());
    let step: AuthStep;
    try {
      step = await this.cognito.password(user?.username ?? decoyUsername(email), password);
    } catch (err) {
      if (!(err instanceof AuthRefused)) throw err;
      return this.refuse(account, caller, "signIn", user, "refused", BAD_CREDENTIALS);
    }
    if (!user || !user.enabled)
      return this.refuse(account, caller, "signIn", user, "disabled", BAD_CREDENTIALS);
    if (step.kind !== "tokens") {
      this.audit(
        caller,
        "signIn",
        user.username,
        step.kind === "mfa" ? "mfa_required" : "new_password_required",
      );
      return {
        challenge: step.kind,
        session: this.seals.challenge({
          c: step.kind,
          u: user.username,
          e: email,
          s: step.session,
        }),
      };
    }
    await this.throttle.succeeded(account, caller.source);
    this.audit(caller, "signIn", user.username, "ok");
    return this.issue(user.username, step.tokens);
  }

  async completeNewPassword(
    emailInput: string,
    session: string,
    newPassword: string,
    caller: Caller,
  ): Promise<Tokens> {
    if (!meetsPasswordPolicy(newPassword))
      throw new BadUserInputError(PASSWORD_POLICY_MESSAGE, "newPassword");
    const account = accountKey(emailInput);
    await this.throttled(account, caller, "completeNewPassword");
    const { challenge, user } = await this.challenged(emailInput, session, "newPassword");
    // Only an account still waiting for its first password: never a way to replace a password.
    if (!challenge || !user || user.status !== "FORCE_CHANGE_PASSWORD")
      return this.refuse(account, caller, "completeNewPassword", user, "refused", SESSION_INVALID);
    try {
      await this.cognito.newPassword(user.username, challenge.s, newPassword);
    } catch (err) {
      if (!(err instanceof AuthRefused)) throw err;
      // With the policy checked above, AWS says InvalidPasswordException only for its own
      // further rules (e.g. a password it knows to be compromised).
      if (err.reason === "InvalidPasswordException")
        throw new BadUserInputError(PASSWORD_POLICY_MESSAGE, "newPassword");
      return this.refuse(account, caller, "completeNewPassword", user, "refused", SESSION_INVALID);
    } finally {
      this.cache.invalidate(user.username);
    }
    await this.throttle.succeeded(account, caller.source);
    this.audit(caller, "completeNewPassword", user.username, "ok");
    return this.signInWith(user.username, newPassword, user.revokedAt);
  }

  async completeMfaSignIn(
    emailInput: string,
    session: string,
    code: string,
    caller: Caller,
  ): Promise<Tokens> {
    const account = accountKey(emailInput);
    await this.throttled(account, caller, "completeMfaSignIn");
    const { challenge, user } = await this.challenged(emailInput, session, "mfa");
    if (!challenge || !user)
      return this.refuse(account, caller, "completeMfaSignIn", user, "refused", SESSION_INVALID);
    await afterRevocation(user.revokedAt, this.now());
    let step: AuthStep;
    try {
      if (!/^\d{6}$/.test(code.trim())) throw new AuthRefused("malformed code");
      step = await this.cognito.mfaCode(user.username, challenge.s, code.trim());
    } catch (err) {
      if (!(err instanceof AuthRefused)) throw err;
      return this.refuse(account, caller, "completeMfaSignIn", user, "bad_code", BAD_CODE);
    }
    if (step.kind !== "tokens")
      return this.refuse(account, caller, "completeMfaSignIn", user, "refused", SESSION_INVALID);
    await this.throttle.succeeded(account, caller.source);
    this.audit(caller, "completeMfaSignIn", user.username, "ok");
    return this.issue(user.username, step.tokens);
  }

  /**
   * New access and ID tokens for a refresh token this API issued, unless the account has gone,
   * is disabled, or revoked its sessions after this one began.
   */
  async refresh(refreshToken: string, caller: Caller): Promise<Tokens> {
    const grant = refreshToken.length <= 8192 ? this.seals.openRefresh(refreshToken) : null;
    const user = grant ? await this.cache.get(grant.u) : null;
    const refused = () => {
      if (user) this.audit(caller, "refreshTokens", user.username, "refused");
      return new UnauthenticatedError(REFRESH_INVALID);
    };
    if (!grant || !user || !user.enabled || grant.a < user.revokedAt) throw refused();
    let tokens: CognitoTokens;
    try {
      tokens = await this.cognito.refresh(grant.u, grant.t);
    } catch (err) {
      if (err instanceof AuthRefused) throw refused();
      throw err;
    }
    return {
      accessToken: tokens.accessToken,
      idToken: tokens.idToken,
      expiresIn: tokens.expiresIn,
      refreshToken: tokens.refreshToken
        ? this.seals.refresh({ u: grant.u, a: grant.a, t: tokens.refreshToken })
        : refreshToken,
    };
  }

  /**
   * Signs a user in with a password the API has just set for them. (Tokens from completing a
   * challenge would do on AWS, but the local stand-in never honours their refresh token; a plain
   * sign-in gives one that refreshes on both.) An account with an authenticator app still has to
   * sign in with its code.
   */
  async signInWith(username: string, password: string, revokedAt = 0): Promise<Tokens> {
    await afterRevocation(revokedAt, this.now());
    const step = await this.cognito.password(username, password);
    if (step.kind === "tokens") return this.issue(username, step.tokens);
    throw new AppError(
      "UNAUTHENTICATED",
      step.kind === "mfa"
        ? "Your password is set. Sign in with it and the code from your authenticator app."
        : SESSION_INVALID,
      { reason: step.kind === "mfa" ? "MFA_REQUIRED" : "NEW_PASSWORD_REQUIRED" },
    );
  }

  /** Whether `password` is the user's current one (the check behind changing it). */
  async passwordMatches(username: string, password: string): Promise<boolean> {
    try {
      await this.cognito.password(username, password);
      return true;
    } catch (err) {
      if (err instanceof AuthRefused) return false;
      throw err;
    }
  }

  /** Tokens for the client: Cognito's refresh token sealed with the session's sign-in time. */
  private issue(username: string, tokens: CognitoTokens): Tokens {
    const authTime = jwtClaim(tokens.idToken, "auth_time");
    return {
      accessToken: tokens.accessToken,
      idToken: tokens.idToken,
      expiresIn: tokens.expiresIn,
      refreshToken: tokens.refreshToken
        ? this.seals.refresh({
            u: username,
            a: typeof authTime === "number" ? authTime : Math.floor(this.now() / 1000),
            t: tokens.refreshToken,
          })
        : null,
    };
  }

  /** The challenge a sealed session holds and its user (fresh), when it fits this call. */
  private async challenged(
    emailInput: string,
    session: string,
    kind: Challenge["c"],
  ): Promise<{ challenge: Challenge | null; user: UserRecord | null }> {
    const email = normaliseEmail(emailInput);
    const challenge = session.length <= 8192 ? this.seals.openChallenge(session) : null;
    if (!challenge || challenge.c !== kind || challenge.e !== email)
      return { challenge: null, user: null };
    const user = await this.users.get(challenge.u);
    return { challenge, user: user?.enabled ? user : null };
  }

  private async throttled(account: string, caller: Caller, action: string): Promise<void> {
    try {
      await this.throttle.check(account, caller.source);
    } catch (err) {
      caller.log.info("sign-in throttled", {
        action,
        source: caller.source,
        outcome: "rate_limited",
      });
      throw err;
    }
  }

  private async refuse(
    account: string,
    caller: Caller,
    action: string,
    user: UserRecord | null,
    outcome: string,
    message: string,
  ): Promise<never> {
    await this.throttle.failed(account, caller.source);
    if (user) this.audit(caller, action, user.username, outcome);
    else
      caller.log.info("sign-in refused", {
        action,
        source: caller.source,
        outcome: "unknown_account",
      });
    throw new UnauthenticatedError(message);
  }

  private audit(caller: Caller, action: string, target: string, outcome: string): void {
    audit(caller.log, { action, target, outcome, source: caller.source });
  }
}

/** The throttle's key for what was typed as an email, whether or not it is one. */
function accountKey(emailInput: string): string {
  return normaliseEmail(emailInput) ?? emailInput.trim().toLowerCase().slice(0, 320);
}

/**
 * A username no account has (usernames are customer ids or `admin.<hex>`), so an unknown email
 * costs Cognito the same call a wrong password does.
 */
function decoyUsername(email: string): string {
  return `unknown.${createHash("sha256").update(email).digest("hex").slice(0, 16)}`;
}
