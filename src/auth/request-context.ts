import { GraphQLError } from "graphql";
import type { Loaders } from "../aws/loaders.js";
import { bearerToken } from "./token-verifier.js";
import type { Authenticator } from "./authenticator.js";
import { AppError } from "../errors.js";
import type { Logger } from "../log.js";
import type { Context } from "./context.js";
import { actorOf } from "./context.js";

/** What a request context is built from. */
export interface ContextRequest {
  readonly authorization: string | undefined;
  readonly requestId?: string;
  /** The client's address; "unknown" when not given (in-process calls). */
  readonly source?: string;
}

/**
 * Builds the per-request context: the viewer from the bearer token (verified, and checked against
 * the user record), a logger carrying the request id and actor, and fresh loaders. A bad
 * token answers 401 UNAUTHENTICATED, an unreachable Cognito 503, before any resolver runs.
 */
export function createContextFactory(
  authenticator: Authenticator,
  log: Logger,
  /** Makes one request's loaders (`createLoaders` over the app's store and user cache). */
  loaders: () => Loaders,
): (req: ContextRequest) => Promise<Context> {
  return async (req) => {
    const requestId = req.requestId ?? crypto.randomUUID();
    try {
      // A token verified before is well formed: look it up before paying for the format check.
      const header = req.authorization;
      const known = header?.startsWith("Bearer ")
        ? authenticator.cached(header.slice(7))
        : undefined;
      const token = known ? (header as string).slice(7) : bearerToken(header);
      const viewer = known ?? (token ? await authenticator.authenticate(token) : null);
      return {
        requestId,
        viewer,
        token: viewer ? (token ?? null) : null,
        source: req.source ?? "unknown",
        log: log.child({ requestId, actor: actorOf(viewer) }),
        loaders: loaders(),
      };
    } catch (err) {
      if (err instanceof AppError) {
        if (err.code === "SERVICE_UNAVAILABLE")
          log.warn("dependency unavailable", {
            requestId,
            err: (err as { cause?: unknown }).cause ?? err,
          });
        const status = err.code === "UNAUTHENTICATED" ? 401 : 503;
        throw new AppError(err.code, err.message, { http: { status }, requestId });
      }
      log.error("context creation failed", { requestId, err });
      throw new GraphQLError("Internal server error", {
        extensions: { code: "INTERNAL_SERVER_ERROR", requestId, http: { status: 500 } },
      });
    }
  };
}
