// `npm test`: the schema check first (it builds dist/, which the tests start: the API process,
// the benchmark's cold start and soak), then vitest, with the static checks (typecheck, lint,
// format, client drift) running beside it at a lower priority. Most of a vitest run waits on the
// stand-ins, Chromium and child processes, so the checks take CPU time it leaves idle instead of
// half a minute before it. Each check's output is printed when vitest is done; the exit code is
// non-zero when vitest or any check failed.
//
//   node test/run.mjs [vitest arguments]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Checks that read the sources only, run one after another beside vitest. */
const CHECKS = ["typecheck", "lint", "format:check", "check:codegen"];
/** Beside vitest, a check gets the CPU time vitest's own processes leave. */
const NICE = 10;

const { scripts } = JSON.parse(readFileSync("package.json", "utf8"));
/** What `npm run` puts first on PATH: the packages' own commands. */
const PATH = [path.resolve("node_modules", ".bin"), process.env.PATH].join(path.delimiter);

/**
 * Runs a package.json script as `npm run --silent` does (in a shell, node_modules/.bin first on
 * PATH) without starting npm itself for it; resolves with its exit code, output and seconds.
 */
function runScript(script, { inherit = false, nice = 0 } = {}) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(scripts[script], {
      shell: true,
      env: { ...process.env, PATH },
      stdio: inherit ? "inherit" : ["ignore", "pipe", "pipe"],
    });
    if (nice) {
      try {
        os.setPriority(child.pid, nice);
      } catch {
        // Not allowed here: the check runs at vitest's priority.
      }
    }
    let output = "";
    child.stdout?.setEncoding("utf8").on("data", (d) => (output += d));
    child.stderr?.setEncoding("utf8").on("data", (d) => (output += d));
    child.on("error", (err) => (output += `${err.message}\n`));
    child.on("close", (code, signal) =>
      resolve({
        script,
        code: code ?? (signal ? 1 : 0),
        output,
        seconds: (Date.now() - started) / 1000,
      }),
    );
  });
}

function vitest(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["node_modules/vitest/vitest.mjs", "run", ...args], {
      stdio: "inherit",
    });
    child.on("error", (err) => {
      process.stderr.write(`vitest could not start: ${err.message}\n`);
      resolve(1);
    });
    child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const schema = await runScript("check:schema", { inherit: true });
if (schema.code !== 0) {
  process.stderr.write("check:schema failed: the tests were not run\n");
  process.exit(schema.code);
}

const checks = (async () => {
  const results = [];
  for (const script of CHECKS) results.push(await runScript(script, { nice: NICE }));
  return results;
})();
const testsCode = await vitest(process.argv.slice(2));
const results = await checks;

process.stdout.write("\n");
for (const r of results) {
  if (r.output.trim()) process.stdout.write(r.output.endsWith("\n") ? r.output : `${r.output}\n`);
  process.stdout.write(
    `${r.code === 0 ? "ok    " : "FAILED"} ${r.script} (${r.seconds.toFixed(1)} s, beside vitest)\n`,
  );
}
const failed = results.filter((r) => r.code !== 0).map((r) => r.script);
if (testsCode !== 0) failed.push("vitest");
if (failed.length) {
  process.stderr.write(`npm test failed: ${failed.join(", ")}\n`);
  process.exit(1);
}
