import { allow, deny, or } from "graphql-shield";
import { UnauthenticatedError } from "../errors.js";
import { predicate } from "./predicate.js";

/** Named predicates; the map in index.ts says where each applies. */

export const isAuthenticated = predicate("isAuthenticated", (ctx) =>
  ctx.viewer ? true : new UnauthenticatedError(),
);

export const isAdmin = predicate("isAdmin", (ctx) =>
  ctx.viewer ? ctx.viewer.role === "ADMIN" : new UnauthenticatedError(),
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
