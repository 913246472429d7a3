import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { LogFields, Logger } from "../log.js";

/** The folder holding package.json, found by walking up from `from`. */
export function findPackageRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json found above ${from}`);
    dir = parent;
  }
}

/**
 * The children are plain .cjs files kept in src/local: tsc does not copy them to dist/, and the
 * same path works from the build and from vitest running the TS sources.
 */
export function childScript(name: "cognito-child.cjs" | "s3-child.cjs" | "ses-child.cjs"): string {
  return path.join(findPackageRoot(), "src", "local", name);
}

/**
 * A child script with every package it loads in one file (esbuild), kept in
 * node_modules/.cache/portal-local/ under a hash of the script, the module the children share and
 * package-lock.json: built at the first start after an install or a change, reused by every later
 * start. A child started from it reads one file instead of its packages' hundreds. When it cannot
 * be built, the script itself (said in a debug line).
 */
export async function bundledChildScript(
  name: "s3-child.cjs",
  log: Logger,
  dir = path.join(findPackageRoot(), "node_modules", ".cache", "portal-local"),
): Promise<string> {
  const source = childScript(name);
  const hash = createHash("sha256");
  for (const file of [
    source,
    path.join(path.dirname(source), "child-lifecycle.cjs"),
    path.join(findPackageRoot(), "package-lock.json"),
  ])
    hash.update(await readFile(file).catch(() => Buffer.alloc(0)));
  const out = path.join(
    dir,
    `${path.basename(name, ".cjs")}.${hash.digest("hex").slice(0, 16)}.cjs`,
  );
  if (existsSync(out)) return out;
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    const { build } = await import("esbuild");
    await mkdir(dir, { recursive: true });
    await build({
      entryPoints: [source],
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      outfile: tmp,
      logLevel: "silent",
    });
    // Another start may have built the same file meanwhile: either copy is whole.
    await rename(tmp, out);
    return out;
  } catch (err) {
    // A half-written file, if any (nothing to remove when the folder could not be made).
    await rm(tmp, { force: true }).catch(() => undefined);
    log.debug("stand-in bundle not built: the child loads its packages one by one", {
      child: name,
      error: err instanceof Error ? err.message : String(err),
    });
    return source;
  }
}

/** A port that was free on `host` a moment ago (the caller must cope with losing a race). */
export async function findFreePort(host = "127.0.0.1", preferred = 0): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.once("error", reject);
      srv.listen(port, host, () => {
        const addr = srv.address();
        const got = typeof addr === "object" && addr ? addr.port : 0;
        srv.close(() => resolve(got));
      });
    });
  if (preferred > 0) {
    try {
      return await tryPort(preferred);
    } catch {
      // Taken: fall back to any port.
    }
  }
  return tryPort(0);
}

type ChildMessage =
  { type: "ready"; port: number } | { type: "failed"; message: string; code?: string };

function isChildMessage(message: unknown): message is ChildMessage {
  return typeof message === "object" && message !== null && "type" in message;
}

/** Raised when a child could not start; `code` is the child's error code (EADDRINUSE, …). */
export class EmulatorStartError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "EmulatorStartError";
  }
}

export interface EmulatorSpec {
  /** For log lines and error messages: "cognito-local", "s3rver". */
  readonly name: string;
  readonly script: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly execArgv: readonly string[];
  readonly log: Logger;
  readonly readyTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
}

const TAIL_LINES = 30;
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
// s3rver logs request URLs; a presigned URL's signature is a credential for its lifetime.
const SIGNED_QUERY = /(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"]+/gi;

/** One output line of a child as a log message without secrets. */
export function sanitiseChildLine(raw: string): { msg: string; fields: LogFields } {
  const line = raw.replace(ANSI, "").replace(SIGNED_QUERY, "$1[redacted]").trimEnd();
  if (line.startsWith("{")) {
    try {
      // pino JSON from cognito-local: keep a few known fields; request headers and bodies may
      // carry tokens, so they are never passed on.
      const entry = JSON.parse(line) as Record<string, unknown>;
      const req = (entry.req ?? {}) as Record<string, unknown>;
      const res = (entry.res ?? {}) as Record<string, unknown>;
      const headers = (req.headers ?? {}) as Record<string, unknown>;
      const err = (entry.err ?? {}) as Record<string, unknown>;
      const fields: LogFields = {};
      if (typeof entry.level === "number") fields.emulatorLevel = entry.level;
      if (typeof headers["x-amz-target"] === "string") fields.target = headers["x-amz-target"];
      if (typeof req.method === "string") fields.method = req.method;
      if (typeof req.url === "string") fields.url = String(req.url).split("?")[0];
      if (typeof res.statusCode === "number") fields.status = res.statusCode;
      if (typeof entry.responseTime === "number") fields.ms = entry.responseTime;
      if (typeof err.type === "string") fields.errorType = err.type;
      if (typeof err.message === "string") fields.error = err.message;
      return { msg: typeof entry.msg === "string" ? entry.msg : "(no message)", fields };
    } catch {
      // Not JSON after all: log as text.
    }
  }
  return { msg: line, fields: {} };
}

/**
 * One emulator in a child process: fork, wait for its ready message, forward its output to
 * `log.debug`, stop with SIGTERM (then SIGKILL). `start` after `stop` forks a fresh child.
 */
export class EmulatorProcess {
  private child: ChildProcess | undefined;
  private stopping: Promise<void> | undefined;
  private readonly tail: string[] = [];

  constructor(private readonly spec: EmulatorSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Forks the child with `extraEnv` and resolves with the port it listens on. */
  async start(extraEnv: Readonly<Record<string, string>> = {}): Promise<number> {
    if (this.stopping) await this.stopping;
    if (this.child) throw new Error(`${this.spec.name} is already running (pid ${this.child.pid})`);
    const { name, log } = this.spec;
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env))
      if (value !== undefined) env[name] = value;
    // The parent's NODE_OPTIONS may hold --inspect (port clash) or a test runner's loader hooks.
    delete env.NODE_OPTIONS;
    Object.assign(env, this.spec.env, extraEnv);
    this.tail.length = 0;

    const child = fork(this.spec.script, [], {
      cwd: this.spec.cwd,
      env,
      execArgv: [...this.spec.execArgv],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) if (stream) this.forward(stream);

    const timeoutMs = this.spec.readyTimeoutMs ?? 20_000;
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const cleanup = () => {
          clearTimeout(timer);
          child.off("message", onMessage);
          child.off("exit", onExit);
          child.off("error", onError);
        };
        const onMessage = (message: unknown) => {
          if (!isChildMessage(message)) return;
          cleanup();
          if (message.type === "ready") resolve(message.port);
          else
            reject(
              new EmulatorStartError(`${name} failed to start: ${message.message}`, message.code),
            );
        };
        const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
          cleanup();
          reject(
            new EmulatorStartError(
              `${name} exited during start-up (${signal ?? `code ${code}`})${this.tailText()}`,
            ),
          );
        };
        const onError = (err: Error) => {
          cleanup();
          reject(new EmulatorStartError(`${name} could not be started: ${err.message}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new EmulatorStartError(
              `${name} was not ready within ${timeoutMs} ms${this.tailText()}`,
              "ETIMEDOUT",
            ),
          );
        }, timeoutMs);
        child.on("message", onMessage);
        child.once("exit", onExit);
        child.once("error", onError);
      });
      child.once("exit", (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (!this.stopping)
          log.warn(`${name} exited unexpectedly`, {
            pid: child.pid,
            code,
            signal,
            output: this.tail.slice(-10),
          });
      });
      // Children must not keep the parent alive on their own; they exit when it does.
      child.unref();
      child.channel?.unref();
      (child.stdout as { unref?: () => void } | null)?.unref?.();
      (child.stderr as { unref?: () => void } | null)?.unref?.();
      log.debug(`${name} ready`, { pid: child.pid, port });
      return port;
    } catch (err) {
      await this.kill(child);
      throw err;
    }
  }

  /** SIGTERM, then SIGKILL after the stop timeout. Idempotent. */
  stop(): Promise<void> {
    const child = this.child;
    if (!child) return this.stopping ?? Promise.resolve();
    this.stopping ??= this.kill(child).finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  private async kill(child: ChildProcess): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.spec.stopTimeoutMs ?? 5000);
      });
      if (await Promise.race([exited.then(() => false), timedOut])) {
        this.spec.log.warn(`${this.spec.name} ignored SIGTERM; killing it`, { pid: child.pid });
        child.kill("SIGKILL");
        await exited;
      }
      clearTimeout(timer);
    }
    if (this.child === child) this.child = undefined;
  }

  private forward(stream: Readable): void {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    rl.on("line", (raw) => {
      if (!raw.trim()) return;
      const { msg, fields } = sanitiseChildLine(raw);
      this.tail.push(msg);
      if (this.tail.length > TAIL_LINES) this.tail.shift();
      // Routine emulator chatter is debug; its own errors (an unsupported Cognito operation
      // answers HTTP 500) deserve a warning.
      const level = Number(fields.emulatorLevel) >= 50 ? "warn" : "debug";
      this.spec.log[level](msg, { emulator: this.spec.name, ...fields });
    });
  }

  private tailText(): string {
    return this.tail.length ? `; last output:\n  ${this.tail.slice(-10).join("\n  ")}` : "";
  }
}
