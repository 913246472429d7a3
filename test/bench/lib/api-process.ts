import { awsModeEnv as standInEnv } from "../../helpers/stack.js";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { findPackageRoot } from "../../../src/local/emulator-process.js";
import { findFreePort } from "../../../src/local/emulator-process.js";
import type { LocalStack } from "../../../src/local/stack.js";
import { BENCH_SETTINGS } from "./fixture.js";
import { gql } from "./http.js";
import { ME } from "./queries.js";

export const ROOT = findPackageRoot(__dirname);
/** What `npm start` runs (built by `npm run build`). */
export const MAIN_JS = path.join(ROOT, "dist", "main.js");
/** What `npm run build:lambda` bundles. */
export const LAMBDA_MJS = path.join(ROOT, "dist", "lambda", "lambda.mjs");

/**
 * The environment of the API in AWS mode, pointed at the local stand-ins: the same process
 * `npm start` runs in production, with no local stack of its own to start.
 */
export function awsModeEnv(stack: LocalStack, port: number): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    PORT: String(port),
    ...standInEnv(stack),
    CORS_ORIGINS: BENCH_SETTINGS.corsOrigins.join(","),
    USER_CACHE_TTL_SECONDS: String(BENCH_SETTINGS.userCacheTtlSeconds),
    // The benchmark's admin has no authenticator app (AWS mode would require one).
    ADMIN_MFA: "optional",
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: "1",
  };
}

export interface Memory {
  /** Resident set size now, bytes. */
  readonly rss: number;
  /** Peak resident set size since start or the last resetPeak(), bytes. */
  readonly peak: number;
}

/** RSS and peak RSS (VmHWM) of a process, from /proc (Linux). */
export async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** Resets a process's peak RSS to its current RSS (Linux: clear_refs 5). */
export async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, "5");
}

export interface ApiProcess {
  readonly pid: number;
  readonly url: string;
  /** Milliseconds from spawn to the first successful `me`. */
  readonly firstMeMs: number;
  /** Log lines at level error seen on its stdout so far. */
  errorLines(): string[];
  stop(): Promise<void>;
}

/**
 * Spawns `node dist/main.js` in AWS mode against the stand-ins and waits for the first
 * successful `me` with `token`: process start to first answer, as a client sees it.
 */
export async function startApiProcess(stack: LocalStack, token: string): Promise<ApiProcess> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: run npm run build first`);
  const port = await findFreePort("127.0.0.1");
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [MAIN_JS], {
    cwd: ROOT,
    env: awsModeEnv(stack, port),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const errors: string[] = [];
  let stderr = "";
  let pending = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const l of lines) if (l.includes('"level":"error"')) errors.push(l);
  });
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    if (stderr.length < 20_000) stderr += c;
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const body = gql(ME);
  let firstMeMs = NaN;
  for (;;) {
    if (exited)
      throw new Error(`the API process exited during start-up:\n${stderr}${errors.join("\n")}`);
    if (performance.now() - started > 30_000) {
      child.kill("SIGKILL");
      throw new Error(`the API process did not answer within 30 s:\n${stderr}`);
    }
    try {
      const res = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body,
      });
      const text = await res.text();
      if (res.status === 200 && text.includes('"me":{')) {
        firstMeMs = performance.now() - started;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    pid: child.pid as number,
    url,
    firstMeMs,
    errorLines: () => [...errors],
    async stop() {
      if (!exited) child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exit;
      clearTimeout(t);
    },
  };
}
