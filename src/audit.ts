import { AppError } from "./errors.js";
import type { Logger } from "./log.js";

/**
 * Audit lines: msg "audit", `audit: true`, the action, what it acted on, how it ended, and the
 * request id and actor the request's logger carries. Never arguments, tokens or passwords.
 */
export interface AuditEntry {
  readonly action: string;
  /** What the action is about (an id); cut short, since it may come from the request. */
  readonly target: string;
  /** "ok", the error code of a refusal, or an action's own word for how it ended. */
  readonly outcome: string;
  /** Further facts about the action (sizes, the fields that changed, a dependency's reason). */
  readonly [detail: string]: unknown;
}

/** Writes one audit line. Every audit line of the API goes through here. */
export function audit(log: Logger, entry: AuditEntry): void {
  const { action, target, outcome, ...details } = entry;
  log.info("audit", { ...details, audit: true, action, target: target.slice(0, 200), outcome });
}

/** How a failed action ended, for its audit line: the public error code. */
export function outcomeOf(err: unknown): string {
  return err instanceof AppError ? err.code : "INTERNAL_SERVER_ERROR";
}

/** What a running action tells its audit line: a refined target (a generated id), details. */
export interface AuditNote {
  target: string;
  details: Record<string, unknown>;
}

/**
 * Runs one action and writes exactly one audit line for it, however it ends: outcome "ok", or
 * the code of the error it ended with (BAD_USER_INPUT, NOT_FOUND, CONFLICT, ...).
 */
export async function audited<T>(
  log: Logger,
  action: string,
  target: string,
  run: (note: AuditNote) => Promise<T>,
): Promise<T> {
  const note: AuditNote = { target, details: {} };
  let outcome = "ok";
  try {
    return await run(note);
  } catch (err) {
    outcome = outcomeOf(err);
    throw err;
  } finally {
    audit(log, { ...note.details, action, target: note.target, outcome });
  }
}
