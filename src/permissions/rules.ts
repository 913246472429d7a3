import { allow, deny, or } from "graphql-shield";
import { AppError, UnauthenticatedError } from "../errors.js";
import { predicate } from "./predicate.js";

/** Named predicates; the map in index.ts says where each applies. */

export const isAuthenticated = predicate("isAuthenticated", (ctx) =>
  ctx.viewer ? true : new UnauthenticatedError(),
);

/** A signed-in user with a role (an admin still setting up MFA included): their own account. */
export const isSignedIn = predicate("isSignedIn", (ctx) =>
  ctx.viewer ? ctx.viewer.role !== null : new UnauthenticatedError(),
);

/** An admin; with ADMIN_MFA=required, only once their authenticator app is set up. */
export const isAdmin = predicate("isAdmin", (ctx) => {
  if (!ctx.viewer) return new UnauthenticatedError();
  if (ctx.viewer.role !== "ADMIN") return false;
  return ctx.viewer.mfaSetupRequired ? MFA_SETUP_REQUIRED : true;
});

const MFA_SETUP_REQUIRED = new AppError(
  "FORBIDDEN",
  "Set up an authenticator app first (beginTotpSetup, then confirmTotpSetup): admins need one here",
  { reason: "MFA_SETUP_REQUIRED" },
);

export const isCustomer = predicate("isCustomer", (ctx) =>
  ctx.viewer
    ? ctx.viewer.role === "CUSTOMER" && ctx.viewer.customerId !== null
    : new UnauthenticatedError(),
);

/** Admin or customer: a signed-in user whose account has a role. */
export const hasRole = or(isAdmin, isCustomer);

/** The parent object is the viewer's own customer profile. */
export const isSelf = predicate("isSelf", (ctx, parent) => {
  if (!ctx.viewer) return new UnauthenticatedError();
  const id = (parent as { id?: unknown } | null)?.id;
  return (
    ctx.viewer.role === "CUSTOMER" && ctx.viewer.customerId !== null && id === ctx.viewer.customerId
  );
});

export const isAdminOrSelf = or(isAdmin, isSelf);

/** No token needed (sign-in flows). */
export const isPublic = allow;

export { allow, deny };
