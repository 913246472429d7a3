import type { UserLookup } from "../aws/cached-users.js";
import type { UserRecord } from "../aws/cognito-users.js";
import { UnauthenticatedError } from "../errors.js";
import { identityFrom } from "./identity.js";
import type { Identity } from "./identity.js";
import type { TokenClaims, TokenVerifier } from "./token-verifier.js";

/**
 * Turns a bearer token into an Identity. The token says who it is; the user record says whether
 * they may still act (a disabled or deleted user's token still verifies until it expires). The
 * record comes through CachedUsers, so a disabled user is refused within its TTL.
 */
export class Authenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly users: UserLookup,
    /** ADMIN_MFA=required: admins without an authenticator app may only set one up. */
    private readonly adminMfaRequired = false,
  ) {}

  async authenticate(token: string): Promise<Identity> {
    const claims = await this.verifier.verify(token);
    return checked(claims, await this.users.get(claims.username), this.adminMfaRequired);
  }

  /**
   * The identity from the caches alone, synchronously (a token verified before, a user record at
   * hand), with the same checks as `authenticate`; undefined when a lookup is needed. Most
   * requests take this path, which skips the promise rounds of `authenticate` (see
   * docs/performance.md).
   */
  cached(token: string): Identity | undefined {
    const claims = this.verifier.cached(token);
    if (!claims) return undefined;
    const user = this.users.peek?.(claims.username);
    return user === undefined ? undefined : checked(claims, user, this.adminMfaRequired);
  }
}

function checked(
  claims: TokenClaims,
  user: UserRecord | null,
  adminMfaRequired: boolean,
): Identity {
  if (!user || user.sub !== claims.sub) {
    throw new UnauthenticatedError("This account no longer exists");
  }
  if (!user.enabled) throw new UnauthenticatedError("This account is disabled");
  // A reset, disable, password change or "sign out everywhere" voids sessions that began before.
  if (claims.authTime < user.revokedAt)
    throw new UnauthenticatedError("This session has ended; sign in again");
  return identityFrom(claims, user, adminMfaRequired);
}
