/**
 * Who acts, in the authorization matrix and the permissions table. "customerOther" is a customer
 * acting on another customer's resources; "disabled" and "deleted" are customers whose account
 * was disabled / deleted after they signed in (their token still verifies); "invited" is a
 * customer an admin created who has not chosen a password yet, so holds no token.
 */
export const ACTORS = [
  "anonymous",
  "admin",
  "customerSelf",
  "customerOther",
  "disabled",
  "deleted",
  "invited",
  "noGroup",
  "bothGroups",
] as const;
export type Actor = (typeof ACTORS)[number];

/** How the permissions table names each actor. */
export const ACTOR_TITLES: Readonly<Record<Actor, string>> = {
  anonymous: "anonymous",
  admin: "admin",
  customerSelf: "customer (own)",
  customerOther: "customer (another's)",
  disabled: "disabled",
  deleted: "deleted",
  invited: "invited",
  noGroup: "no group",
  bothGroups: "both groups",
};
