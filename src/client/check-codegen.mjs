// Regenerates the typed client into a temporary folder and fails when src/client/generated differs:
// the committed client must be what `npm run codegen` makes from schema.graphql and
// src/client/operations. Used by `npm run check:codegen` (part of `npm test`).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "..");
const committed = path.join(root, "src", "client", "generated");
const fresh = mkdtempSync(path.join(os.tmpdir(), "portal-codegen-"));

/** Relative paths of every file under dir, sorted. */
function files(dir) {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
      .sort();
  } catch {
    return [];
  }
}

function firstDifference(committedText, generatedText) {
  const la = committedText.split("\n");
  const lb = generatedText.split("\n");
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) {
      let col = 0;
      while (la[i]?.[col] !== undefined && la[i][col] === lb[i]?.[col]) col++;
      const show = (line) =>
        line === undefined
          ? "(no line)"
          : JSON.stringify(line.slice(Math.max(0, col - 40), col + 60));
      return `line ${i + 1}, column ${col + 1}: committed ${show(la[i])}, generated ${show(lb[i])}`;
    }
  }
  return "same lines";
}

function check() {
  const bin = path.join(root, "node_modules", ".bin", "graphql-codegen");
  const run = spawnSync(bin, ["--config", "codegen.ts"], {
    cwd: root,
    env: { ...process.env, CODEGEN_OUT_DIR: `${fresh}/` },
    encoding: "utf8",
  });
  if (run.status !== 0) {
    process.stderr.write(
      `graphql-codegen failed (exit ${run.status})\n${run.stdout}${run.stderr}\n`,
    );
    return 1;
  }
  const want = files(fresh);
  const have = files(committed);
  const problems = [];
  for (const file of want.filter((f) => !have.includes(f))) problems.push(`missing: ${file}`);
  for (const file of have.filter((f) => !want.includes(f)))
    problems.push(`not generated any more: ${file}`);
  for (const file of want.filter((f) => have.includes(f))) {
    const committedText = readFileSync(path.join(committed, file), "utf8");
    const generatedText = readFileSync(path.join(fresh, file), "utf8");
    if (committedText !== generatedText)
      problems.push(`differs: ${file} (${firstDifference(committedText, generatedText)})`);
  }
  if (want.length === 0) problems.push("codegen produced no files");
  if (problems.length > 0) {
    process.stderr.write(
      `src/client/generated is out of date with schema.graphql and src/client/operations:\n` +
        problems.map((p) => `  - ${p}`).join("\n") +
        `\nRun \`npm run codegen\` and commit src/client/generated.\n`,
    );
    return 1;
  }
  process.stdout.write(`src/client/generated is up to date (${want.length} files)\n`);
  return 0;
}

try {
  process.exitCode = check();
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
