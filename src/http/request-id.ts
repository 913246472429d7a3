const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The request id for logs and responses: the caller's `x-request-id` when it is a short plain
 * token (so a client or a proxy can correlate), otherwise a fresh one. Anything else in the
 * header is ignored rather than echoed into logs.
 */
export function requestIdFrom(incoming: unknown, fresh: () => string): string {
  return typeof incoming === "string" && REQUEST_ID_RE.test(incoming) ? incoming : fresh();
}
