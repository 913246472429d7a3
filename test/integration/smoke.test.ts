import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { print } from "graphql";
import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BeginTotpSetupDocument,
  ConfirmTotpSetupDocument,
  SignInDocument,
} from "../../src/client/index.js";
import { totpCode } from "../../src/cli/smoke.js";
import { createLocalS3Client } from "../../src/local/stack.js";
import type { LocalStack } from "../../src/local/stack.js";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { startAwsModeApp } from "../helpers/aws-mode.js";
import type { AwsModeApp } from "../helpers/aws-mode.js";
import { startTestStack } from "../helpers/stack.js";

/**
 * `npm run smoke` against the local stack: the CLI (src/cli/smoke.ts, bundled on the fly so this
 * test does not race other tests over dist/) runs as a child process against the API in AWS mode,
 * over HTTP, like an operator runs it against a deployment. AWS mode requires admins to use an
 * authenticator app, so the admin sets one up first and the CLI signs in with its codes.
 */

const ROOT = path.resolve(__dirname, "../..");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe("npm run smoke, against the local stack", () => {
  let stack: LocalStack;
  let api: AwsModeApp;
  let dir: string;
  let cli: string;
  let totpSecret: string;

  /** POSTs a typed document to the API (the admin's MFA setup). */
  async function gql<T>(query: unknown, variables: Record<string, unknown>, token?: string) {
    const res = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query: print(query as never), variables }),
    });
    const body = (await res.json()) as { data?: T; errors?: unknown };
    if (!body.data) throw new Error(JSON.stringify(body.errors));
    return body.data;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "portal-smoke-"));
    cli = path.join(dir, "smoke.js");
    await build({
      entryPoints: [path.join(ROOT, "src", "cli", "smoke.ts")],
      outfile: cli,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      logLevel: "warning",
    });
    stack = await startTestStack();
    api = await startAwsModeApp(stack);
    const { signIn } = await gql<{ signIn: { accessToken?: string } }>(SignInDocument, {
      email: stack.admin.email,
      password: stack.admin.password,
    });
    const token = signIn.accessToken as string;
    const { beginTotpSetup } = await gql<{ beginTotpSetup: { secret: string } }>(
      BeginTotpSetupDocument,
      {},
      token,
    );
    totpSecret = beginTotpSetup.secret;
    await gql(ConfirmTotpSetupDocument, { code: generateSync({ secret: totpSecret }) }, token);
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function smoke(url: string, env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [cli, "--url", url, "--admin-email", stack.admin.email, "--timeout", "20"],
        {
          env: {
            PATH: process.env.PATH,
            SMOKE_ADMIN_PASSWORD: stack.admin.password,
            SMOKE_ADMIN_TOTP_SECRET: totpSecret,
            ...env,
          },
          // No terminal: the CLI must not try to prompt.
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** Customers and stored objects whose id starts with "smoke-": what a run could leave behind. */
  async function leftovers(): Promise<string[]> {
    const { edges } = await api.app.services.customers.list(100, null);
    const s3 = createLocalS3Client(stack);
    try {
      const objects = await s3.send(
        new ListObjectsV2Command({ Bucket: stack.s3.bucket, Prefix: "customers/smoke-" }),
      );
      return [
        ...edges.map((e) => e.node.id).filter((id) => id.startsWith("smoke-")),
        ...(objects.Contents ?? []).map((o) => o.Key ?? ""),
      ];
    } finally {
      s3.destroy();
    }
  }

  it("passes every step with one line each, exits 0 and leaves nothing behind", async () => {
    const r = await smoke(api.url);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^Smoke test of http:\/\/127\.0\.0\.1:\d+ \(run [0-9a-f]{8}\)$/);
    expect(lines.slice(1, -1).map((l) => l.replace(/ \(\d+ ms\)$/, ""))).toEqual([
      "ok    the API answers /healthz and is ready (/readyz)",
      `ok    sign in as ${stack.admin.email}`,
      expect.stringMatching(/^ok {4}create the throwaway customer smoke-[0-9a-f]{8}$/),
      "ok    request an upload into the customer's folder",
      "ok    upload through the presigned URL with the ticket's headers",
      "ok    the file is listed in the customer's folder",
      "ok    download it and compare the bytes",
      "ok    delete the file",
      expect.stringMatching(/^ok {4}delete the customer smoke-[0-9a-f]{8}$/),
    ]);
    expect(lines.at(-1)).toBe("Smoke test passed");
    expect(await leftovers()).toEqual([]);
  });

  it("stops at the first failing step, exits 1, and still removes the file and the customer", async () => {
    // A proxy in front of the API that breaks one step: the download (the `File` query).
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        if (body.toString().includes('"query":"query File(')) {
          res.statusCode = 502;
          res.end("bad gateway (injected by the test)");
          return;
        }
        void fetch(`${api.url}${req.url ?? "/"}`, {
          method: req.method ?? "GET",
          headers: Object.fromEntries(
            Object.entries(req.headers).filter(
              (e): e is [string, string] => typeof e[1] === "string" && e[0] !== "host",
            ),
          ),
          ...(req.method === "POST" ? { body } : {}),
        }).then(async (upstream) => {
          res.statusCode = upstream.status;
          res.setHeader("content-type", upstream.headers.get("content-type") ?? "text/plain");
          res.end(Buffer.from(await upstream.arrayBuffer()));
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const proxy = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const r = await smoke(proxy);
      expect(r.code).toBe(1);
      const lines = r.stdout
        .trim()
        .split("\n")
        .map((l) => l.replace(/ \(\d+ ms\)$/, ""));
      const failAt = lines.findIndex((l) => l.startsWith("FAIL"));
      expect(lines[failAt]).toMatch(
        /^FAIL {2}download it and compare the bytes: HTTP 502, not a GraphQL answer: bad gateway/,
      );
      // Nothing after the failure but the clean-up.
      expect(lines.slice(failAt + 1)).toEqual([
        expect.stringMatching(/^ok {4}clean up: delete the file /),
        expect.stringMatching(/^ok {4}clean up: delete the customer smoke-[0-9a-f]{8}$/),
        "Smoke test FAILED (nothing was left behind)",
      ]);
      expect(lines.filter((l) => l.startsWith("ok    delete"))).toEqual([]);
      expect(await leftovers()).toEqual([]);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("with a wrong password: fails at sign-in, creates nothing", async () => {
    const r = await smoke(api.url, { SMOKE_ADMIN_PASSWORD: "Wr0ng!Password" });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAIL  sign in as ${stack.admin.email}: UNAUTHENTICATED`);
    expect(r.stdout).not.toContain("create the throwaway customer");
    expect(r.stdout.trim().split("\n").at(-1)).toBe("Smoke test FAILED (nothing was left behind)");
    expect(await leftovers()).toEqual([]);
  });

  it("without SMOKE_ADMIN_PASSWORD and no terminal: says how to give the password", async () => {
    const r = await smoke(api.url, { SMOKE_ADMIN_PASSWORD: "" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("set SMOKE_ADMIN_PASSWORD");
    expect(r.stdout).toBe("");
  });

  it("computes authenticator codes as the app does (checked against otplib)", () => {
    for (const at of [0, 59_000, Date.now(), 1_893_456_000_000])
      expect(totpCode(totpSecret, at)).toBe(generateSync({ secret: totpSecret, epoch: at / 1000 }));
    expect(() => totpCode("not base32!")).toThrow(/base32/);
  });

  it("an admin with an authenticator app and no code to give: stops at sign-in, creates nothing", async () => {
    const r = await smoke(api.url, { SMOKE_ADMIN_TOTP_SECRET: "" });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `FAIL  sign in as ${stack.admin.email}: this admin signs in with an authenticator code`,
    );
    expect(await leftovers()).toEqual([]);
  });

  it("is the npm script `smoke`, on the built CLI", async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.smoke).toBe(
      "node src/cli/build.mjs --only server --if-stale && node dist/cli/smoke.js",
    );
  });
});
