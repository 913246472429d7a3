import type { GraphQLFormattedError } from "graphql";
import { GraphQLError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { AppError } from "../errors.js";

/** Codes Apollo and graphql-js produce for malformed requests: safe to show as they are. */
const REQUEST_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

export const INTERNAL_MESSAGE = "Internal server error";

/** True when the error may be shown to clients as it is. */
export function isPublicError(err: unknown): boolean {
  const original = unwrapResolverError(err);
  if (original instanceof AppError) return true;
  if (original instanceof GraphQLError) {
    const code = original.extensions?.code;
    if (typeof code !== "string" || !REQUEST_ERROR_CODES.has(code)) return false;
    if (original.originalError === undefined) return true;
    // Apollo's request errors (syntax, validation, variable values) wrap graphql-js's own error in
    // `originalError`. They are raised before execution (no path), so no dependency was called
    // and their text describes the request.
    return original.path === undefined && original.originalError instanceof GraphQLError;
  }
  return false;
}

/** The code a validation rule gave its error (Apollo replaces it with GRAPHQL_VALIDATION_FAILED). */
function ruleCode(err: unknown): string | undefined {
  if (!(err instanceof GraphQLError) || err.extensions?.code !== "GRAPHQL_VALIDATION_FAILED")
    return undefined;
  const inner = err.originalError;
  const code = inner instanceof GraphQLError ? inner.extensions?.code : undefined;
  return typeof code === "string" ? code : undefined;
}

/**
 * Clients see public codes with their messages, and nothing else: any other error becomes
 * INTERNAL_SERVER_ERROR with no message detail, stack or AWS text. The full error is logged
 * (with the request id) by the logging plugin, which also adds the request id to the response.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  if (isPublicError(error)) {
    const { extensions, ...rest } = formatted;
    const { stacktrace: _s, ...ext } = (extensions ?? {}) as Record<string, unknown>;
    const code = ruleCode(error);
    return { ...rest, extensions: code ? { ...ext, code } : ext };
  }
  // The request id stays when the error already carries it (raised while building the context,
  // before the logging plugin can add it): it is how a report is matched to the log line.
  const requestId = formatted.extensions?.requestId;
  return {
    message: INTERNAL_MESSAGE,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: {
      code: "INTERNAL_SERVER_ERROR",
      ...(typeof requestId === "string" ? { requestId } : {}),
    },
  };
}
