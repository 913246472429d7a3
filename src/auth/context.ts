import type { Loaders } from "../aws/loaders.js";
import { UnauthenticatedError } from "../errors.js";
import type { Logger } from "../log.js";
import type { Identity } from "./identity.js";

/**
 * Who is asking, for one request: built by the HTTP layer before execution; never shared across
 * requests.
 */
export interface Context {
  readonly requestId: string;
  /** Carries requestId and actor on every line. */
  readonly log: Logger;
  /** Null when the request carries no token. A bad token never gets this far. */
  readonly viewer: Identity | null;
  /** The verified token itself (some Cognito calls act with the user's own access token). */
  readonly token: string | null;
  /** The client's address, for throttling and audit lines. */
  readonly source: string;
  /** This request's batched lookups (object heads, user records). */
  readonly loaders: Loaders;
}

/**
 * The signed-in viewer. The permission rules have already refused anonymous callers to every
 * field that uses this; the check keeps that promise visible to the type system.
 */
export function signedIn(ctx: Context): Identity {
  if (!ctx.viewer) throw new UnauthenticatedError();
  return ctx.viewer;
}

/** Who acts, for audit and log lines: `admin:<username>`, `customer:<id>` or `anonymous`. */
export function actorOf(viewer: Identity | null): string {
  if (!viewer) return "anonymous";
  if (viewer.role === "CUSTOMER") return `customer:${viewer.customerId ?? viewer.username}`;
  if (viewer.role === "ADMIN") return `admin:${viewer.username}`;
  return `user:${viewer.username}`;
}
