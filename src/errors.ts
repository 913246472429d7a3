import { HeaderMap } from "@apollo/server";
import { GraphQLError } from "graphql";

/**
 * The error codes clients may rely on. Anything else that escapes a resolver is an
 * internal error and reaches the client masked as INTERNAL_SERVER_ERROR.
 */
export const PUBLIC_ERROR_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "CONFLICT",
  "RATE_LIMITED",
  "SERVICE_UNAVAILABLE",
] as const;
export type PublicErrorCode = (typeof PUBLIC_ERROR_CODES)[number];

/** Base class of every error whose message is written for clients. */
export class AppError extends GraphQLError {
  readonly code: PublicErrorCode;
  constructor(code: PublicErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.code = code;
  }
}

export class UnauthenticatedError extends AppError {
  constructor(
    message = "Sign in first: send a valid access or ID token as 'Authorization: Bearer <token>'",
  ) {
    super("UNAUTHENTICATED", message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "You are not allowed to do this") {
    super("FORBIDDEN", message);
  }
}

export class BadUserInputError extends AppError {
  constructor(message: string, field?: string) {
    super("BAD_USER_INPUT", message, field ? { field } : {});
  }
}

export class NotFoundError extends AppError {
  constructor(message = "Not found") {
    super("NOT_FOUND", message);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super("CONFLICT", message);
  }
}

/**
 * Too many attempts: HTTP 429 with Retry-After (whole seconds), also given as
 * `extensions.retryAfter` for clients that only read the body.
 */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message = `Too many attempts; try again in ${retryAfterSeconds} seconds`,
  ) {
    super("RATE_LIMITED", message, {
      retryAfter: retryAfterSeconds,
      http: { status: 429, headers: new HeaderMap([["retry-after", String(retryAfterSeconds)]]) },
    });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message = "A storage or identity service is unavailable; try again shortly") {
    super("SERVICE_UNAVAILABLE", message);
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
