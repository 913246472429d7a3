/**
 * Structured JSON logs, one object per line on stdout.
 *
 * Log fields are chosen by the caller; nothing here serialises request headers or
 * arguments on its own, so tokens and passwords never reach a log line unless someone
 * writes them explicitly (and reviews catch that). `redact` strips the known secret
 * keys as a second line of defence.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (request id, actor, …). */
  child(fields: LogFields): Logger;
}

const SECRET_KEYS = new Set([
  "password",
  "temporaryPassword",
  "newPassword",
  "authorization",
  "accessToken",
  "idToken",
  "refreshToken",
  "session",
  "token",
]);

function redact(fields: LogFields): LogFields {
  let out: LogFields | undefined;
  for (const key of Object.keys(fields)) {
    if (SECRET_KEYS.has(key)) {
      out ??= { ...fields };
      out[key] = "[redacted]";
    }
  }
  return out ?? fields;
}

function serialiseError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const error = err as Error & { code?: unknown; $metadata?: unknown; cause?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(error.code !== undefined ? { code: error.code } : {}),
    ...(error.$metadata !== undefined ? { awsMetadata: error.$metadata } : {}),
    stack: error.stack,
    ...(error.cause !== undefined ? { cause: serialiseError(error.cause) } : {}),
  };
}

export type LogSink = (line: string) => void;

export function createLogger(
  level: LogLevel = "info",
  base: LogFields = {},
  sink: LogSink = (line) => process.stdout.write(line + "\n"),
): Logger {
  return build(LEVELS[level], [base], sink);
}

/**
 * `chain` holds the fields of each ancestor, merged only when a line is written: a child logger
 * per request (request id, actor) costs an array, not a copy of every field (a spread made
 * `child()` cost more than the permission checks of a whole query: see docs/performance.md).
 */
function build(min: number, chain: readonly LogFields[], sink: LogSink): Logger {
  const write = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
    if (LEVELS[lvl] < min) return;
    const line: LogFields = { time: new Date().toISOString(), level: lvl, msg };
    for (const part of chain) Object.assign(line, part);
    if (fields) Object.assign(line, redact(fields));
    if (line.err !== undefined) line.err = serialiseError(line.err);
    sink(JSON.stringify(line));
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    // Copied (and redacted) once here, so later changes to the caller's object do not show.
    child: (fields) => build(min, [...chain, { ...redact(fields) }], sink),
  };
}

/** A logger that drops everything (tests, tools). */
export const silentLogger: Logger = createLogger("silent");
