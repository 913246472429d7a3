import { CombinedGraphQLErrors, ServerError } from "@apollo/client";
import { formatBytes } from "./format.js";

/** A refusal from storage (S3) for a presigned PUT, or a network failure (status 0). */
export class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly s3Code: string | undefined,
    readonly s3Message?: string,
  ) {
    super(`storage answered ${status}${s3Code ? ` ${s3Code}` : ""}`);
  }
}

/** The user cancelled (an upload). */
export class Cancelled extends Error {
  constructor() {
    super("Cancelled");
  }
}

/**
 * One sentence for people, for every refusal the API gives (its stable codes), for storage and
 * for the network. The API's own message is shown where it is the clearest words available.
 */
export function describeError(err: unknown): string {
  if (err instanceof Cancelled) return "Cancelled.";
  if (err instanceof StorageError) return describeStorage(err);
  if (CombinedGraphQLErrors.is(err)) {
    const first = err.errors[0];
    const code = String(first?.extensions?.code ?? "");
    const message = first?.message ?? "";
    const field = first?.extensions?.field;
    switch (code) {
      case "UNAUTHENTICATED":
        return message || "Please sign in again.";
      case "FORBIDDEN":
        return "You are not allowed to do this.";
      case "BAD_USER_INPUT": {
        const above = /above (\d+) bytes/.exec(message);
        if (field === "size" && above)
          return `This file is too large: the most allowed is ${formatBytes(Number(above[1]))}.`;
        if (/expired/i.test(message)) return "This upload has expired. Start the upload again.";
        return message;
      }
      case "NOT_FOUND":
        return "It no longer exists: it was deleted, or the upload was finished or cancelled.";
      case "CONFLICT":
        return message;
      case "RATE_LIMITED": {
        const wait = Number(first?.extensions?.retryAfter);
        return wait > 0
          ? `Too many attempts. Try again in ${wait < 120 ? `${wait} seconds` : `${Math.ceil(wait / 60)} minutes`}.`
          : "Too many attempts. Wait a minute, then try again.";
      }
      case "SERVICE_UNAVAILABLE":
        return "The storage or sign-in service is unavailable right now. Try again in a minute.";
      default: {
        const id = first?.extensions?.requestId;
        return `Something went wrong on the server${id ? ` (request ${String(id)})` : ""}. Try again.`;
      }
    }
  }
  if (ServerError.is(err)) {
    if (err.statusCode === 401) return "Your session has ended. Please sign in again.";
    // Sign-in throttling answers 429 (RATE_LIMITED) with a Retry-After header.
    if (err.statusCode === 429) return "Too many attempts. Wait a minute, then try again.";
    if (err.statusCode === 503)
      return "The service is unavailable right now. Try again in a minute.";
    return `The server answered ${err.statusCode}. Try again.`;
  }
  if (err instanceof TypeError)
    return "Cannot reach the server. Check your connection and try again.";
  return err instanceof Error ? err.message : String(err);
}

function describeStorage(err: StorageError): string {
  if (err.status === 0)
    return "The file could not reach storage (the connection dropped or storage refused this site).";
  if (err.status === 403 && /expired/i.test(err.s3Message ?? ""))
    return "The upload link has expired. Start the upload again.";
  if (err.status === 403) return "Storage refused the upload: the link is not valid for this file.";
  if (err.s3Code === "EntityTooLarge") return "This file is too large for storage.";
  if (err.status === 503 || err.s3Code === "SlowDown")
    return "Storage is busy right now. Try again in a minute.";
  return `Storage refused the upload (HTTP ${err.status}${err.s3Code ? `, ${err.s3Code}` : ""}).`;
}

/** The API's error code of a GraphQL failure, if any. */
export function errorCode(err: unknown): string | undefined {
  if (!CombinedGraphQLErrors.is(err)) return undefined;
  const code = err.errors[0]?.extensions?.code;
  return code === undefined ? undefined : String(code);
}
