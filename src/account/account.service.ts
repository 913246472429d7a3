import type { Caller, SignInService, Tokens } from "../auth/auth.service.js";
import { normaliseEmail } from "../auth/email.js";
import { PASSWORD_POLICY_MESSAGE, meetsPasswordPolicy } from "../auth/password-policy.js";
import type { Revocations } from "../auth/sessions.js";
import type { SignInThrottle } from "../auth/throttle.js";
import type { Identity } from "../auth/identity.js";
import type { CachedUsers } from "../aws/cached-users.js";
import type { CognitoAuth } from "../aws/cognito-auth.js";
import { AuthRefused } from "../aws/cognito-auth.js";
import type { CognitoUsers, UserRecord } from "../aws/cognito-users.js";
import type { Mailer } from "../aws/ses-mailer.js";
import {
  BadUserInputError,
  ConflictError,
  NotFoundError,
  UnauthenticatedError,
} from "../errors.js";
import type { Logger } from "../log.js";
import { audit, audited } from "../audit.js";
import { isCustomerId } from "../customers/customer-id.js";
import { invitationEmail, resetEmail } from "./emails.js";
import type { LinkPurpose, Links, PendingLink } from "./links.js";

export interface AccountSettings {
  readonly appName: string;
  /** Origin of the web app that links point to (resolved once the server listens, if unset). */
  readonly appUrl: () => string;
  readonly invitationTtlHours: number;
  /** See RESET_ANSWER_MS. */
  readonly resetAnswerMs?: number;
}

export interface Invitation {
  customerId: string;
  sentTo: string;
  expiresAt: Date;
}

export interface TotpSetup {
  secret: string;
  otpauthUri: string;
}

/** How long a password reset link works. */
export const RESET_TTL_SECONDS = 30 * 60;
/**
 * requestPasswordReset answers no sooner than this, whether or not it sent anything, so its
 * timing says nothing about which emails exist (sending takes well under it).
 */
export const RESET_ANSWER_MS = 1000;

const LINK_INVALID =
  "This link is not valid any more: it was used, replaced or has expired. Ask for a new one";
const NO_MAIL =
  "Email is not configured on this deployment (MAIL_FROM); give the customer the temporary password instead";

/**
 * The account lifecycle: emailed one-time links (invitations, password resets), changing a
 * password, signing out everywhere, and authenticator-app (TOTP) MFA. Every step is an audit
 * line; tokens and passwords never are.
 */
export class AccountService {
  constructor(
    private readonly users: CognitoUsers,
    private readonly cache: CachedUsers,
    private readonly signIn: SignInService,
    private readonly cognito: CognitoAuth,
    private readonly sessions: Revocations,
    private readonly links: Links,
    /** Null when this deployment sends no email. */
    private readonly mailer: Mailer | null,
    /** Guesses at a current password or a code, per account and source. */
    private readonly guesses: SignInThrottle,
    /** Links that did not work, per source (tokens cannot be guessed; this bounds the noise). */
    private readonly badLinks: SignInThrottle,
    /** Reset requests, per email and source. */
    private readonly resets: SignInThrottle,
    private readonly settings: AccountSettings,
  ) {}

  /** Whether this deployment sends email (invitations, reset links). */
  canSend(): boolean {
    return this.mailer !== null;
  }

  /**
   * Emails `user` a one-time link to set their first password. The email goes first and the link
   * is stored only once it went: a failure to send changes nothing (an earlier link still works).
   */
  invite(user: UserRecord, log: Logger): Promise<Invitation> {
    return audited(log, "sendInvitation", user.username, () => this.deliverInvitation(user));
  }

  private async deliverInvitation(user: UserRecord): Promise<Invitation> {
    if (!this.mailer) throw new BadUserInputError(NO_MAIL);
    const link = await this.emailLink(
      this.mailer,
      user,
      "invite",
      this.settings.invitationTtlHours * 3600,
    );
    return {
      customerId: user.customerId ?? user.username,
      sentTo: user.email,
      expiresAt: link.expiresAt,
    };
  }

  /**
   * Emails `user` a one-time link for `purpose` (the welcome or the reset page), then stores it:
   * a failure to send changes nothing, and an earlier link keeps working until this one is in.
   */
  private async emailLink(
    mailer: Mailer,
    user: UserRecord,
    purpose: LinkPurpose,
    ttlSeconds: number,
  ): Promise<PendingLink> {
    const link = this.links.create(user.username, purpose, ttlSeconds);
    const compose = purpose === "invite" ? invitationEmail : resetEmail;
    await mailer.send(
      compose({
        appName: this.settings.appName,
        to: user.email,
        ...(user.name ? { name: user.name } : {}),
        link: this.url(purpose === "invite" ? "welcome" : "reset", link.token),
        expiresAt: link.expiresAt,
      }),
    );
    await link.commit();
    this.cache.invalidate(user.username);
    return link;
  }

  /** An admin's "send the invitation (again)": only to a customer still waiting for a password. */
  sendInvitation(customerId: string, log: Logger): Promise<Invitation> {
    return audited(log, "sendInvitation", customerId, async () => {
      if (!isCustomerId(customerId))
        throw new BadUserInputError("'customerId' is not a customer id", "customerId");
      const user = await this.users.get(customerId);
      if (!user || user.customerId !== customerId)
        throw new NotFoundError(`No customer '${customerId}'`);
      if (!user.enabled) throw new ConflictError("This customer is disabled; enable them first");
      if (user.status !== "FORCE_CHANGE_PASSWORD")
        throw new ConflictError(
          "This customer has already chosen a password; reset it (resetCustomerPassword) or let them use 'Forgot password'",
        );
      return this.deliverInvitation(user);
    });
  }

  /**
   * Emails a one-time reset link when the address is an enabled user's verified email. Always
   * answers true, no sooner than RESET_ANSWER_MS, so the answer says nothing about the address.
   */
  async requestPasswordReset(emailInput: string, caller: Caller): Promise<true> {
    const started = Date.now();
    const valid = normaliseEmail(emailInput);
    // An invalid address still counts against the throttle, under a bounded key.
    const email = valid ?? emailInput.trim().toLowerCase().slice(0, 320);
    await this.resets.check(email, caller.source);
    await this.resets.failed(email, caller.source); // every request counts, sent or not
    try {
      const user = valid ? await this.users.findSignInUser(email) : null;
      if (user?.enabled && this.mailer) {
        await this.emailLink(this.mailer, user, "reset", RESET_TTL_SECONDS);
        audit(caller.log, {
          action: "requestPasswordReset",
          target: user.username,
          outcome: "sent",
          source: caller.source,
        });
      } else {
        caller.log.info("password reset not sent", {
          action: "requestPasswordReset",
          source: caller.source,
          outcome: user ? (this.mailer ? "disabled" : "no_mail") : "unknown_account",
        });
      }
    } catch (err) {
      // The caller learns nothing either way; the log says what happened.
      caller.log.warn("password reset failed", {
        action: "requestPasswordReset",
        source: caller.source,
        err,
      });
    }
    const left = (this.settings.resetAnswerMs ?? RESET_ANSWER_MS) - (Date.now() - started);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    return true;
  }

  /**
   * Sets a permanent password with the token from an invitation or reset link, ends every
   * earlier session and pending link, and signs in.
   */
  async setPasswordWithToken(token: string, newPassword: string, caller: Caller): Promise<Tokens> {
    if (!meetsPasswordPolicy(newPassword))
      throw new BadUserInputError(PASSWORD_POLICY_MESSAGE, "newPassword");
    await this.badLinks.check("link", caller.source);
    const found = token.length <= 4096 ? await this.links.redeem(token) : null;
    if (!found) {
      await this.badLinks.failed("link", caller.source);
      caller.log.info("link refused", {
        action: "setPasswordWithToken",
        source: caller.source,
        outcome: "refused",
      });
      throw new UnauthenticatedError(LINK_INVALID);
    }
    const { user, purpose } = found;
    await this.setPassword(user.username, newPassword);
    const revokedAt = await this.sessions.revoke(user.username, caller.log);
    audit(caller.log, {
      action: "setPasswordWithToken",
      target: user.username,
      outcome: linkOutcome(purpose),
      source: caller.source,
    });
    return this.signIn.signInWith(user.username, newPassword, revokedAt);
  }

  /**
   * Replaces the viewer's password (the current one required) and ends every session — this
   * one too: the client signs in again with the new password.
   */
  async changePassword(
    viewer: Identity,
    current: string,
    next: string,
    caller: Caller,
  ): Promise<true> {
    if (!meetsPasswordPolicy(next))
      throw new BadUserInputError(PASSWORD_POLICY_MESSAGE, "newPassword");
    await this.guesses.check(viewer.username, caller.source);
    if (
      current.length === 0 ||
      current.length > 256 ||
      !(await this.signIn.passwordMatches(viewer.username, current))
    ) {
      await this.guesses.failed(viewer.username, caller.source);
      audit(caller.log, {
        action: "changePassword",
        target: viewer.username,
        outcome: "wrong_password",
        source: caller.source,
      });
      throw new BadUserInputError("The current password is not right", "currentPassword");
    }
    await this.guesses.succeeded(viewer.username, caller.source);
    await this.setPassword(viewer.username, next);
    await this.sessions.revoke(viewer.username, caller.log);
    audit(caller.log, {
      action: "changePassword",
      target: viewer.username,
      outcome: "ok",
      source: caller.source,
    });
    return true;
  }

  async signOutEverywhere(viewer: Identity, log: Logger): Promise<true> {
    await this.sessions.revoke(viewer.username, log);
    audit(log, { action: "signOutEverywhere", target: viewer.username, outcome: "ok" });
    return true;
  }

  /** Starts authenticator-app setup: the secret, also as an otpauth:// URI for a QR code. */
  async beginTotpSetup(
    viewer: Identity,
    accessToken: string | null,
    log: Logger,
  ): Promise<TotpSetup> {
    const secret = await this.cognito.associateTotp(this.accessToken(viewer, accessToken));
    audit(log, { action: "beginTotpSetup", target: viewer.username, outcome: "ok" });
    const issuer = this.settings.appName;
    const label = encodeURIComponent(`${issuer}:${viewer.email ?? viewer.username}`);
    const params = new URLSearchParams({
      secret,
      issuer,
      algorithm: "SHA1",
      digits: "6",
      period: "30",
    });
    return { secret, otpauthUri: `otpauth://totp/${label}?${params.toString()}` };
  }

  /** Turns MFA on once a code from the app checks out; sign-ins then ask for a code. */
  async confirmTotpSetup(
    viewer: Identity,
    accessToken: string | null,
    code: string,
    caller: Caller,
  ): Promise<true> {
    const token = this.accessToken(viewer, accessToken);
    await this.guesses.check(viewer.username, caller.source);
    try {
      if (!/^\d{6}$/.test(code.trim())) throw new AuthRefused("malformed code");
      await this.cognito.enableTotp(token, code.trim());
    } catch (err) {
      if (!(err instanceof AuthRefused)) throw err;
      await this.guesses.failed(viewer.username, caller.source);
      audit(caller.log, {
        action: "confirmTotpSetup",
        target: viewer.username,
        outcome: "bad_code",
        source: caller.source,
      });
      throw new BadUserInputError(
        "The code is not valid: enter the 6 digits your authenticator app shows now (after beginTotpSetup)",
        "code",
      );
    } finally {
      this.cache.invalidate(viewer.username);
    }
    await this.guesses.succeeded(viewer.username, caller.source);
    audit(caller.log, {
      action: "confirmTotpSetup",
      target: viewer.username,
      outcome: "ok",
      source: caller.source,
    });
    return true;
  }

  private async setPassword(username: string, password: string): Promise<void> {
    try {
      await this.users.setPermanentPassword(username, password);
    } catch (err) {
      // The policy was checked above; AWS may refuse more (e.g. a password it knows leaked).
      if ((err as { name?: string }).name === "InvalidPasswordException")
        throw new BadUserInputError(PASSWORD_POLICY_MESSAGE, "newPassword");
      throw err;
    } finally {
      this.cache.invalidate(username);
    }
  }

  private accessToken(viewer: Identity, token: string | null): string {
    if (viewer.tokenUse !== "access" || !token)
      throw new BadUserInputError(
        "Send the access token (not the ID token) as 'Authorization: Bearer <accessToken>' to set up an authenticator app",
      );
    return token;
  }

  private url(page: "welcome" | "reset", token: string): string {
    return `${this.settings.appUrl()}/${page}#token=${token}`;
  }
}

function linkOutcome(purpose: LinkPurpose): string {
  return purpose === "invite" ? "invitation_accepted" : "password_reset";
}
