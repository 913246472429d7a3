import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Fixture } from "../lib/fixture.js";
import { LAMBDA_MJS, MAIN_JS, ROOT, awsModeEnv, startApiProcess } from "../lib/api-process.js";
import type { Row } from "../lib/report.js";
import { median, round } from "../lib/stats.js";

// Loads the bundle the way Lambda's Node runtime loads an .mjs handler (import(), then the handler
// per event) and reports: module evaluated (init), and the first `me` answered, both in ms since
// process start.
// The process runs with the function's NODE_OPTIONS (terraform/api.tf), source maps included.
const LAMBDA_PROBE = `
const started = performance.now();
import(require("node:url").pathToFileURL(process.env.BENCH_LAMBDA_MJS).href).then((mod) => {
const initMs = performance.now();
const event = {
  version: "2.0", routeKey: "$default", rawPath: "/graphql", rawQueryString: "",
  headers: { "content-type": "application/json", authorization: "Bearer " + process.env.BENCH_TOKEN },
  requestContext: { accountId: "bench", apiId: "bench", domainName: "localhost", domainPrefix: "localhost",
    http: { method: "POST", path: "/graphql", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
    requestId: "bench-1", routeKey: "$default", stage: "$default", time: "", timeEpoch: Date.now() },
  body: JSON.stringify({ query: "query Me { me { id email role } }" }),
  isBase64Encoded: false,
};
return Promise.resolve(mod.handler(event, {})).then((r) => {
  const body = r && (r.isBase64Encoded ? Buffer.from(r.body, "base64").toString("utf8") : String(r.body));
  const ok = r && r.statusCode === 200 && body.includes('"me":{');
  process.stdout.write(JSON.stringify({ requireMs: initMs - started, initMs, firstMeMs: performance.now(), ok, status: r && r.statusCode, body: ok ? undefined : String(body).slice(0, 300) }) + "\\n");
  process.exit(0);
});
}).catch((e) => { process.stdout.write(JSON.stringify({ error: String(e && e.stack || e) }) + "\\n"); process.exit(1); });
`;

/** What terraform/api.tf sets as the function's NODE_OPTIONS. */
const LAMBDA_NODE_OPTIONS = "--enable-source-maps";
/** The function's initialisation budget (issue 17). */
const INIT_BUDGET_MS = 300;

function probeLambda(
  f: Fixture,
): Promise<{ requireMs: number; initMs: number; firstMeMs: number; ok: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", LAMBDA_PROBE], {
      cwd: ROOT,
      env: {
        ...awsModeEnv(f.stack, 0),
        NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
        AWS_LAMBDA_FUNCTION_NAME: "portal-api-bench",
        BENCH_LAMBDA_MJS: LAMBDA_MJS,
        BENCH_TOKEN: f.adminToken,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    child.on("exit", () => {
      // The handler's own JSON log lines share stdout: take the probe's result line.
      const line = out
        .split("\n")
        .find((l) => l.includes('"firstMeMs"') || l.startsWith('{"error"'));
      if (!line) return reject(new Error(`lambda probe printed nothing:\n${err.slice(0, 2000)}`));
      const r = JSON.parse(line) as {
        error?: string;
        requireMs: number;
        initMs: number;
        firstMeMs: number;
        ok: boolean;
        body?: string;
      };
      if (r.error) reject(new Error(r.error));
      else if (!r.ok) reject(new Error(`the first \`me\` failed: ${r.body ?? ""}`));
      else resolve(r);
    });
  });
}

/**
 * Section 6: `node dist/main.js` (AWS mode, against the stand-ins) from spawn to the first
 * successful `me`; and the Lambda bundle's initialisation, when dist/lambda/lambda.mjs exists.
 */
export async function coldStartScenario(
  f: Fixture,
  o: { rounds: number },
  log: (s: string) => void,
): Promise<Row[]> {
  const rows: Row[] = [];
  if (existsSync(MAIN_JS)) {
    const times: number[] = [];
    for (let i = 0; i < o.rounds; i++) {
      const api = await startApiProcess(f.stack, f.adminToken);
      times.push(api.firstMeMs);
      await api.stop();
    }
    const ms = median(times);
    log(`  main.js first me: ${times.map((t) => t.toFixed(0)).join(", ")} ms`);
    rows.push({
      section: 6,
      name: "process start → first successful `me` (node dist/main.js, AWS mode)",
      value: round(ms, 0),
      unit: "ms",
      budget: "≤ 1000 ms",
      pass: ms <= 1000,
      timed: true,
      note: `median of ${times.length}: ${times.map((t) => t.toFixed(0)).join(", ")} ms; includes JWKS fetch, first token verification and Cognito user lookup`,
    });
  } else {
    rows.push({
      section: 6,
      name: "process start → first successful `me`",
      value: null,
      unit: "ms",
      budget: "≤ 1000 ms",
      pass: null,
      note: "not measured: dist/main.js missing (npm run build)",
    });
  }
  if (existsSync(LAMBDA_MJS)) {
    const dir = path.dirname(LAMBDA_MJS);
    const kib = (file: string) =>
      existsSync(file) ? Math.round(statSync(file).size / 1024) : null;
    const start = JSON.parse(readFileSync(path.join(dir, "start.json"), "utf8")) as {
      files: number;
      bytes: number;
      allFiles: number;
      allBytes: number;
    };
    rows.push({
      section: 6,
      name: "Lambda bundle read at a cold start (dist/lambda/lambda.mjs and its static imports)",
      value: Math.round(start.bytes / 1024),
      unit: "KiB",
      pass: null,
      note: `${start.files} files; ${Math.round(start.allBytes / 1024)} KiB in ${start.allFiles} files with those loaded on demand; source map ${kib(`${LAMBDA_MJS}.map`) ?? "missing"} KiB; deployment zip ${kib(path.join(dir, "lambda.zip")) ?? "not built"} KiB`,
    });
    const runs: { requireMs: number; initMs: number; firstMeMs: number; ok: boolean }[] = [];
    try {
      for (let i = 0; i < o.rounds; i++) runs.push(await probeLambda(f));
    } catch (err) {
      const first = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
      log(`  lambda bundle failed: ${first}`);
      rows.push({
        section: 6,
        name: "Lambda bundle initialisation (dist/lambda/lambda.mjs)",
        value: null,
        unit: "ms",
        budget: `≤ ${INIT_BUDGET_MS} ms`,
        pass: false,
        note: `not measured: the bundle failed to initialise: ${first.slice(0, 300)}`,
      });
      return rows;
    }
    const init = median(runs.map((r) => r.initMs));
    const first = median(runs.map((r) => r.firstMeMs));
    const ok = runs.every((r) => r.ok);
    log(
      `  lambda init ${runs.map((r) => r.initMs.toFixed(0)).join(", ")} ms, first me ${runs.map((r) => r.firstMeMs.toFixed(0)).join(", ")} ms`,
    );
    rows.push({
      section: 6,
      name: "Lambda bundle initialisation (dist/lambda/lambda.mjs loaded)",
      value: round(init, 0),
      unit: "ms",
      budget: `≤ ${INIT_BUDGET_MS} ms`,
      pass: init <= INIT_BUDGET_MS && ok,
      timed: true,
      note: `median of ${runs.length}, since process start, NODE_OPTIONS=${LAMBDA_NODE_OPTIONS}; first \`me\` answered at ${first.toFixed(0)} ms${ok ? "" : " — the first `me` FAILED"}`,
    });
  } else {
    rows.push({
      section: 6,
      name: "Lambda bundle initialisation",
      value: null,
      unit: "ms",
      budget: `≤ ${INIT_BUDGET_MS} ms`,
      pass: null,
      note: "not measured: no Lambda bundle yet (npm run build:lambda → dist/lambda/lambda.mjs)",
    });
  }
  return rows;
}
