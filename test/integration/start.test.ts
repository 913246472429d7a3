import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..", "..");

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("npm start, as a user runs it", () => {
  let dataDir = "";
  afterAll(() => (dataDir ? rm(dataDir, { recursive: true, force: true }) : undefined));

  it("serves, then a SIGTERM to npm stops the API and every stand-in: the 'stopped' line, the lock released, no process left", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "portal-start-"));
    const npm = spawn("npm", ["start"], {
      cwd: ROOT,
      env: { ...process.env, LOCAL_DATA_DIR: dataDir, PORT: "0", LOG_LEVEL: "debug", CI: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    npm.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
    npm.stderr.on("data", (c: Buffer) => (out += c.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => npm.on("exit", (code) => resolve(code)));
    const lines = () =>
      out
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    const until = Date.now() + 90_000;
    while (!lines().some((l) => l.msg === "listening")) {
      if (Date.now() > until || npm.exitCode !== null)
        throw new Error(`npm start did not listen:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const url = String(lines().find((l) => l.msg === "listening")!.url).replace(/\/graphql$/, "");
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const pids = lines()
      .filter((l) => typeof l.pid === "number" && String(l.msg).endsWith("ready"))
      .map((l) => l.pid as number);
    expect(pids).toHaveLength(3); // cognito-local, s3rver, aws-ses-v2-local
    expect(existsSync(path.join(dataDir, "local-stack.lock"))).toBe(true);

    npm.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(lines().map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down", "stopped"]));
    expect(existsSync(path.join(dataDir, "local-stack.lock"))).toBe(false);
    expect(pids.filter(alive)).toEqual([]);
    // A process warning (the AWS SDK's notice about Node versions, on Node 20) is one line, whole.
    const warnings = lines().filter((l) => l.msg === "process warning");
    if (process.versions.node.startsWith("20.")) expect(warnings.length).toBeGreaterThan(0);
    expect(new Set(warnings.map((w) => w.detail)).size).toBe(warnings.length);
  }, 120_000);
});
