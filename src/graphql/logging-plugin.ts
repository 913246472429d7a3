import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { AppError } from "../errors.js";
import type { Context } from "../auth/context.js";
import { isPublicError } from "./format-error.js";

/**
 * Logs every unexpected error in full (with request id and actor, never arguments or tokens) and
 * adds the request id to every error a client receives, so a report can be matched to the log.
 */
export function loggingPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors, operationName }) {
          for (const err of errors) {
            if (!isPublicError(err)) {
              contextValue.log.error("unexpected error", {
                operation: operationName ?? undefined,
                path: err.path?.join("."),
                err: err.originalError ?? err,
              });
              continue;
            }
            // Public, but the client only sees the generic text: log what the dependency said.
            const original = unwrapResolverError(err);
            if (original instanceof AppError && original.code === "SERVICE_UNAVAILABLE") {
              contextValue.log.warn("dependency unavailable", {
                operation: operationName ?? undefined,
                path: err.path?.join("."),
                err: (original as { cause?: unknown }).cause ?? original,
              });
            }
          }
        },
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind !== "single") return;
          for (const error of response.body.singleResult.errors ?? []) {
            (error.extensions as Record<string, unknown> | undefined) ??= {};
            Object.assign(error.extensions ?? {}, { requestId: contextValue.requestId });
          }
        },
      };
    },
  };
}
