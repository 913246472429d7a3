import { AppError, ServiceUnavailableError } from "../errors.js";

/** Names of SDK errors that mean "the dependency is struggling", not "your request is wrong". */
const UNAVAILABLE_NAMES = new Set([
  "TooManyRequestsException",
  "ThrottlingException",
  "Throttling",
  "SlowDown",
  "ServiceUnavailable",
  "InternalErrorException",
  "InternalError",
  "RequestTimeout",
  "TimeoutError",
  "RequestTimeoutException",
  "LimitExceededException",
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
]);

export function awsErrorName(err: unknown): string | undefined {
  if (err && typeof err === "object") {
    const error = err as { name?: unknown; Code?: unknown };
    if (typeof error.name === "string") return error.name;
  }
  return undefined;
}

/** True when the error says the AWS service (or the network to it) is unavailable. */
export function isUnavailable(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const error = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (error.name && UNAVAILABLE_NAMES.has(error.name)) return true;
  if (error.code && NETWORK_CODES.has(error.code)) return true;
  const status = error.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  // The SDK wraps socket errors; look one level down.
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err && isUnavailable(cause);
}

/**
 * SERVICE_UNAVAILABLE for a failed AWS call. Clients get the generic message; the SDK error stays
 * on `cause` (not enumerable, never serialised into a response) for the log line.
 */
export function unavailable(cause: unknown): ServiceUnavailableError {
  const error = new ServiceUnavailableError();
  Object.defineProperty(error, "cause", { value: cause, enumerable: false });
  return error;
}

/** Rethrows availability failures as SERVICE_UNAVAILABLE; anything else as it is (masked later). */
export function rethrowAws(err: unknown): never {
  // Already answered (an outage mapped one layer down): as it is, not wrapped twice.
  if (err instanceof AppError) throw err;
  if (isUnavailable(err)) throw unavailable(err);
  throw err;
}
