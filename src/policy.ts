import type { RoleName, Identity } from "./auth/identity.js";

/**
 * Who may do what, stated once. Every function here is a pure decision over the viewer (null:
 * no token) and the thing acted on. The rule map (permissions/index.ts) applies them to the schema, and the
 * services call the same functions to scope their queries; resolvers and services read no role.
 */

/** A folder of the bucket: the general one every customer reads, or one customer's own. */
export type Folder =
  { readonly scope: "GENERAL" } | { readonly scope: "CUSTOMER"; readonly customerId: string };

export const GENERAL_FOLDER: Folder = Object.freeze({ scope: "GENERAL" });

export function customerFolder(customerId: string): Folder {
  return { scope: "CUSTOMER", customerId };
}

/**
 * The role the viewer acts in. Every decision below reads the role through here, so a viewer who
 * may not act in their role yet is one line in this function.
 */
export function roleOf(viewer: Identity | null): RoleName | null {
  if (!viewer) return null;
  // An admin who must still set up MFA acts in no role: `canUseOwnAccount` is all they have.
  if (viewer.mfaSetupRequired) return null;
  return viewer.role;
}

/** Signed in with a role they may not act in until their authenticator app is set up. */
export function awaitsMfaSetup(viewer: Identity | null): boolean {
  return viewer !== null && viewer.mfaSetupRequired && viewer.role !== null;
}

/**
 * May use their own account (`me`, password, sessions, authenticator app): signed in and given a
 * role, even one `roleOf` does not let them act in yet.
 */
export function canUseOwnAccount(viewer: Identity | null): boolean {
  return viewer !== null && viewer.role !== null;
}

/** Signed in, and acting as an admin or a customer. */
export function hasRole(viewer: Identity | null): boolean {
  return roleOf(viewer) !== null;
}

export function isAdmin(viewer: Identity | null): boolean {
  return roleOf(viewer) === "ADMIN";
}

/** The customer the viewer is, or null (admins and users in neither group are none). */
export function ownCustomerId(viewer: Identity | null): string | null {
  return roleOf(viewer) === "CUSTOMER" ? (viewer?.customerId ?? null) : null;
}

function isOwnFolder(viewer: Identity | null, folder: Folder): boolean {
  const own = ownCustomerId(viewer);
  return own !== null && folder.scope === "CUSTOMER" && folder.customerId === own;
}

/** Admins: every folder. Customers: their own and the general one. */
export function canReadFolder(viewer: Identity | null, folder: Folder): boolean {
  switch (roleOf(viewer)) {
    case "ADMIN":
      return true;
    case "CUSTOMER":
      return folder.scope === "GENERAL" || isOwnFolder(viewer, folder);
    default:
      return false;
  }
}

/** Admins: every folder. Customers: their own only. */
export function canWriteFolder(viewer: Identity | null, folder: Folder): boolean {
  return isAdmin(viewer) || isOwnFolder(viewer, folder);
}

/** Admins only, in any folder: customers cannot delete, not even in their own. */
export function canDeleteFiles(viewer: Identity | null): boolean {
  return isAdmin(viewer);
}

export function canDeleteFrom(viewer: Identity | null, folder: Folder): boolean {
  return canDeleteFiles(viewer) && canWriteFolder(viewer, folder);
}

/** Admins: every customer. Customers: themselves. */
export function canSeeCustomer(viewer: Identity | null, customerId: unknown): boolean {
  if (isAdmin(viewer)) return true;
  const own = ownCustomerId(viewer);
  return own !== null && customerId === own;
}

/** Create, update, list and reset customers. */
export function canManageCustomers(viewer: Identity | null): boolean {
  return isAdmin(viewer);
}

/**
 * The folders a listing that names none reads: "EVERY" folder for admins; the viewer's own and
 * the general one for customers; none for anyone else.
 */
export function readableFolders(viewer: Identity | null): "EVERY" | readonly Folder[] {
  if (isAdmin(viewer)) return "EVERY";
  const own = ownCustomerId(viewer);
  return own === null ? [] : [customerFolder(own), GENERAL_FOLDER];
}

/**
 * The folder an upload request names: GENERAL, the customer it names, or the viewer's own when
 * it names none. Null when it names no folder at all (no customer id and none of the viewer's
 * own); the service then asks for one.
 */
export function uploadFolder(
  viewer: Identity | null,
  input: { readonly scope?: string | null; readonly customerId?: string | null },
): Folder | null {
  if (input.scope === "GENERAL") return GENERAL_FOLDER;
  const id = input.customerId ?? ownCustomerId(viewer);
  return id === null ? null : customerFolder(id);
}
