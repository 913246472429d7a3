import type { Viewer } from "../auth/viewer.js";
import { UnauthenticatedError } from "../errors.js";
import type { Logger } from "../log.js";

/** Per-request state. Built by the HTTP layer before execution; never shared across requests. */
export interface Context {
  readonly requestId: string;
  /** Carries requestId and actor on every line. */
  readonly log: Logger;
  /** Null when the request carries no token. A bad token never gets this far. */
  readonly viewer: Viewer | null;
  /** The verified token itself (some Cognito calls act with the user's own access token). */
  readonly token: string | null;
  /** The client's address, for throttling and audit lines. */
  readonly source: string;
  /** Per-request memo for DataLoaders and the like (see `perRequest`). */
  readonly scoped: Map<unknown, unknown>;
}

/**
 * The signed-in viewer. The permission rules have already refused anonymous callers to every
 * field that uses this; the check keeps that promise visible to the type system.
 */
export function signedIn(ctx: Context): Viewer {
  if (!ctx.viewer) throw new UnauthenticatedError();
  return ctx.viewer;
}

/** One instance per request and key: how DataLoaders stay per-request. */
export function perRequest<T>(ctx: Context, key: unknown, create: () => T): T {
  let v = ctx.scoped.get(key) as T | undefined;
  if (v === undefined) {
    v = create();
    ctx.scoped.set(key, v);
  }
  return v;
}

/** Who acts, for audit and log lines: `admin:<username>`, `customer:<id>` or `anonymous`. */
export function actorOf(viewer: Viewer | null): string {
  if (!viewer) return "anonymous";
  if (viewer.role === "CUSTOMER") return `customer:${viewer.customerId ?? viewer.username}`;
  if (viewer.role === "ADMIN") return `admin:${viewer.username}`;
  return `user:${viewer.username}`;
}
