import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp } from "../helpers/app.js";
import { awsModeSettings } from "../helpers/aws-mode.js";
import type { TestApp } from "../helpers/app.js";

const ROOT = path.resolve(__dirname, "../..");
const BUNDLE = path.join(ROOT, "dist", "lambda", "lambda.js");

/** Loads the bundle in a fresh Node process as Lambda would, and sends it one `me` event. */
const INVOKE = `
const started = Date.now();
const { handler } = require(process.env.BUNDLE);
const event = {
  version: "2.0", rawPath: "/graphql", rawQueryString: "", isBase64Encoded: false,
  headers: { "content-type": "application/json", authorization: "Bearer " + process.env.TOKEN },
  requestContext: { requestId: "bundle-1", http: { method: "POST", path: "/graphql" } },
  body: JSON.stringify({ query: "{ me { role email } }" }),
};
handler(event).then((r) => {
  process.stdout.write(JSON.stringify({ statusCode: r.statusCode, body: r.body, ms: Date.now() - started }));
}, (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

describe("the deployable Lambda bundle (npm run build:lambda), loaded as Lambda loads it", () => {
  let t: TestApp;
  beforeAll(async () => {
    const build = spawnSync("npm", ["run", "--silent", "build:lambda"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    if (build.status !== 0)
      throw new Error(`build:lambda failed:\n${build.stdout}\n${build.stderr}`);
    t = await startTestApp();
  }, 180_000);
  afterAll(() => t?.stop());

  it("initialises from its environment and answers `me`", async () => {
    expect(existsSync(BUNDLE)).toBe(true);
    const token = await t.adminToken();
    const run = spawnSync(process.execPath, ["-e", INVOKE], {
      cwd: path.dirname(BUNDLE),
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        BUNDLE,
        TOKEN: token,
        AWS_LAMBDA_FUNCTION_NAME: "portal-api-test",
        NODE_ENV: "production",
        LOG_LEVEL: "silent",
        ...awsModeSettings(t.stack),
        CORS_ORIGINS: "http://localhost:5173",
      },
    });
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout) as { statusCode: number; body: string };
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body)).toEqual({
      data: { me: { role: "ADMIN", email: t.stack.admin.email } },
    });
  });
});
