import type { UserRecord } from "../aws/cognito-users.js";
import { ADMINS_GROUP, CUSTOMERS_GROUP } from "./admins.js";
import type { TokenClaims } from "./token-verifier.js";

export type RoleName = "ADMIN" | "CUSTOMER";

/** Who a request comes from: the signed-in user, as the token and their user record say. */
export interface Identity {
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

export function identityFrom(
  claims: TokenClaims,
  user: UserRecord,
  adminMfaRequired = false,
): Identity {
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
