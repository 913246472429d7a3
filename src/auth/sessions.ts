import type { CachedUsers } from "../aws/cached-users.js";
import type { CognitoUsers } from "../aws/cognito-users.js";
import { LINK_HASH_ATTRIBUTE, REVOKED_AT_ATTRIBUTE } from "../aws/cognito-users.js";
import { awsErrorName } from "../aws/errors.js";
import type { Sealer } from "../common/sealer.js";
import type { Logger } from "../log.js";

/** How long a sign-in challenge (new password, MFA code) stays answerable: Cognito's own limit. */
export const CHALLENGE_TTL_SECONDS = 180;

/** What the API hands out as a challenge session, sealed: Cognito's session, bound to one user. */
export interface Challenge {
  /** Which challenge: a new password, or an authenticator code. */
  readonly c: "newPassword" | "mfa";
  /** Cognito username. */
  readonly u: string;
  /** The email signed in with (the completing call must name the same one). */
  readonly e: string;
  /** Cognito's session. */
  readonly s: string;
}

/** What the API hands out as a refresh token, sealed: Cognito's, with when the session began. */
export interface RefreshGrant {
  readonly u: string;
  /** The session's sign-in time (epoch seconds): refused once the account's revocation passes it. */
  readonly a: number;
  /** Cognito's refresh token. */
  readonly t: string;
}

const isChallenge = (value: unknown): value is Challenge => {
  const challenge = value as Challenge | null;
  return (
    !!challenge &&
    (challenge.c === "newPassword" || challenge.c === "mfa") &&
    typeof challenge.u === "string" &&
    typeof challenge.e === "string" &&
    typeof challenge.s === "string"
  );
};

const isRefreshGrant = (value: unknown): value is RefreshGrant => {
  const grant = value as RefreshGrant | null;
  return (
    !!grant &&
    typeof grant.u === "string" &&
    Number.isSafeInteger(grant.a) &&
    typeof grant.t === "string"
  );
};

/**
 * Challenge sessions and refresh tokens as clients hold them: sealed with the server secret, so
 * a client can neither read Cognito's values nor make up one of its own (the local stand-in
 * accepts any session string; AWS would too for a session of another user's sign-in). A
 * challenge names the user it was issued for and lives CHALLENGE_TTL_SECONDS.
 */
export class SessionSeals {
  constructor(private readonly sealer: Sealer) {}

  challenge(challenge: Challenge): string {
    return this.sealer.seal("challenge", { ...challenge }, CHALLENGE_TTL_SECONDS);
  }

  openChallenge(sealed: string): Challenge | null {
    return this.sealer.open("challenge", sealed, isChallenge);
  }

  refresh(grant: RefreshGrant): string {
    return this.sealer.seal("refresh", { ...grant });
  }

  openRefresh(sealed: string): RefreshGrant | null {
    return this.sealer.open("refresh", sealed, isRefreshGrant);
  }
}

/** What `custom:link_hash` holds when no link is pending (see links.ts). */
export const NO_LINK = "-";

/**
 * Ends every session of a user: access and ID tokens (refused once their `auth_time` is before
 * the account's `custom:revoked_at`, which the viewer check reads from the user record), refresh
 * tokens (the API's refresh checks the same time; on AWS, AdminUserGlobalSignOut revokes them at
 * Cognito as well), and any pending email link. At once on this instance (its cached record is
 * dropped); on other instances within USER_CACHE_TTL_SECONDS.
 */
export class Revocations {
  constructor(
    private readonly users: CognitoUsers,
    private readonly cache: CachedUsers,
    /** False for the local stand-in, which lacks AdminUserGlobalSignOut. */
    private readonly globalSignOut: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Revokes; resolves with the revocation time. Sessions that began in the same second count as
   * before it (auth_time has whole seconds), so the time is the next whole second; a sign-in
   * right after waits for it (`afterRevocation`).
   */
  async revoke(username: string, log: Logger): Promise<number> {
    const revokedAt = Math.floor(this.now() / 1000) + 1;
    try {
      await this.users.updateAttributes(username, {
        [REVOKED_AT_ATTRIBUTE]: String(revokedAt),
        [LINK_HASH_ATTRIBUTE]: NO_LINK,
      });
      if (this.globalSignOut) {
        try {
          await this.users.globalSignOut(username);
        } catch (err) {
          // The revocation time above already ends every session; this only adds Cognito's own.
          log.warn("global sign-out failed; sessions still end through revoked_at", {
            target: username,
            errName: awsErrorName(err),
          });
        }
      }
    } finally {
      this.cache.invalidate(username);
    }
    return revokedAt;
  }
}

/**
 * Waits until a session begun now would count as after `revokedAt` (at most a second: the
 * revocation time is the whole second after it was made). Called before every sign-in, so one
 * right after a reset, a re-enable or a password change is not void from birth.
 */
export async function afterRevocation(revokedAt: number, now = Date.now()): Promise<void> {
  const wait = revokedAt * 1000 - now;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 1000)));
}
