import type { UserLookup } from "../aws/cached-users.js";
import type { UserRecord } from "../aws/cognito-users.js";
import { UnauthenticatedError } from "../errors.js";
import { ADMINS_GROUP, CUSTOMERS_GROUP } from "./admins.js";
import type { TokenClaims, TokenVerifier } from "./token-verifier.js";

export type RoleName = "ADMIN" | "CUSTOMER";

/** The signed-in user of one request. */
export interface Viewer {
  /** Cognito sub. */
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  /** From `cognito:groups` (Admins wins); null for a user in neither group. */
  readonly role: RoleName | null;
  /** From the user record on the server, never from the request; null unless role is CUSTOMER. */
  readonly customerId: string | null;
  /** An authenticator app (TOTP) is on for this account. */
  readonly mfaEnabled: boolean;
  /**
   * An admin who must set up an authenticator app before anything else (ADMIN_MFA=required and
   * none yet): the permission rules let them do only that.
   */
  readonly mfaSetupRequired: boolean;
  /** Which token the request carried: some Cognito calls (TOTP setup) need the access token. */
  readonly tokenUse: "id" | "access";
  readonly user: UserRecord;
}

export function roleFromGroups(groups: readonly string[]): RoleName | null {
  if (groups.includes(ADMINS_GROUP)) return "ADMIN";
  if (groups.includes(CUSTOMERS_GROUP)) return "CUSTOMER";
  return null;
}

export function viewerFrom(
  claims: TokenClaims,
  user: UserRecord,
  adminMfaRequired = false,
): Viewer {
  let role = roleFromGroups(claims.groups);
  // A customer without a customer id has no folder: treat as no role rather than guess one.
  if (role === "CUSTOMER" && !user.customerId) role = null;
  return {
    id: claims.sub,
    username: user.username,
    email: user.email || null,
    role,
    customerId: role === "CUSTOMER" ? user.customerId : null,
    mfaEnabled: user.mfaEnabled,
    mfaSetupRequired: role === "ADMIN" && adminMfaRequired && !user.mfaEnabled,
    tokenUse: claims.tokenUse,
    user,
  };
}

/**
 * Turns a bearer token into a Viewer. The token says who it is; the user record says whether
 * they may still act (a disabled or deleted user's token still verifies until it expires). The
 * record comes through CachedUsers, so a disabled user is refused within its TTL.
 */
export class ViewerResolver {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly users: UserLookup,
    /** ADMIN_MFA=required: admins without an authenticator app may only set one up. */
    private readonly adminMfaRequired = false,
  ) {}

  async resolve(token: string): Promise<Viewer> {
    const claims = await this.verifier.verify(token);
    return checked(claims, await this.users.get(claims.username), this.adminMfaRequired);
  }

  /**
   * The viewer from the caches alone, synchronously (a token verified before, a user record at
   * hand), with the same checks as `resolve`; undefined when a lookup is needed. Most requests
   * take this path: measured, the promise rounds of `resolve` cost more than the rest of the
   * request context together.
   */
  cached(token: string): Viewer | undefined {
    const claims = this.verifier.cached(token);
    if (!claims) return undefined;
    const user = this.users.peek?.(claims.username);
    return user === undefined ? undefined : checked(claims, user, this.adminMfaRequired);
  }
}

function checked(claims: TokenClaims, user: UserRecord | null, adminMfaRequired: boolean): Viewer {
  if (!user || user.sub !== claims.sub) {
    throw new UnauthenticatedError("This account no longer exists");
  }
  if (!user.enabled) throw new UnauthenticatedError("This account is disabled");
  // A reset, disable, password change or "sign out everywhere" voids sessions that began before.
  if (claims.authTime < user.revokedAt)
    throw new UnauthenticatedError("This session has ended; sign in again");
  return viewerFrom(claims, user, adminMfaRequired);
}
