import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_CI } from "../e2e/chromium.js";
import { startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";

/**
 * The README's walkthrough is run, not just read: its shell blocks (each marked with
 * `<!-- walkthrough: step -->` inside the "Walkthrough with curl" section) run in order in one
 * bash process against a private local stack, with the variables its first block
 * (`<!-- walkthrough: variables -->`) asks the reader to set pointed at that stack.
 */

const ROOT = path.resolve(__dirname, "../..");
/**
 * A path outside the repository (a clone has nothing there), in parts so that this check does
 * not match itself.
 */
const OUTSIDE = ["..", "shared"].join("/");
const README = readFileSync(path.join(ROOT, "README.md"), "utf8");
const SECTION = "## Walkthrough with curl";
const MAX_README_CHARS = 10_000;
const run = promisify(execFile);

interface Block {
  marker: "variables" | "step";
  code: string;
}

/** The fenced `sh` blocks of the walkthrough section, each with the marker before it. */
export function walkthroughBlocks(markdown: string): Block[] {
  const start = markdown.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const rest = markdown.slice(start + SECTION.length + 2);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const blocks: Block[] = [];
  const fence = /^```(\S*)\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(section); m; m = fence.exec(section)) {
    const before = section.slice(0, m.index).trimEnd();
    const marker = /<!-- walkthrough: (variables|step) -->$/.exec(before)?.[1];
    if (m[1] !== "sh") {
      if (marker) throw new Error(`a marked block is not "sh" but "${m[1]}"`);
      continue;
    }
    if (marker !== "variables" && marker !== "step")
      throw new Error(`an sh block in "${SECTION}" has no walkthrough marker:\n${m[2]}`);
    blocks.push({ marker, code: m[2] ?? "" });
  }
  return blocks;
}

function hasTool(name: string): boolean {
  try {
    execFileSync("bash", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const missing = ["curl", "jq"].filter((tool) => !hasTool(tool));
if (missing.length && !ON_CI)
  console.warn(
    `README walkthrough: NOT RUN — ${missing.join(" and ")} not found (apt-get install curl jq)`,
  );

describe("README.md and docs/", () => {
  it(`README.md is at most ${MAX_README_CHARS.toLocaleString("en")} characters`, () => {
    expect([...README].length).toBeLessThanOrEqual(MAX_README_CHARS);
  });

  it("nothing in README.md or docs/ points outside the repository", () => {
    const files = [
      "README.md",
      ...readdirSync(path.join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    ];
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      expect({ file, shared: text.includes(OUTSIDE) }).toEqual({ file, shared: false });
      expect({ file, notes: text.includes("notes/") }).toEqual({ file, notes: false });
      expect({ file, absolute: /(^|[\s(`'"])\/(work|home|Users|tmp)\//m.test(text) }).toEqual({
        file,
        absolute: false,
      });
    }
  });

  it("no tracked file of the repository names the folder beside the checkout (a clone does not have it)", () => {
    const tracked = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" })
      .split("\0")
      .filter((f) => f && !/\.(png|jpe?g|ico|woff2?)$/.test(f) && f !== "package-lock.json");

    expect(tracked.length).toBeGreaterThan(100);
    const offenders = tracked.filter((f) => {
      const file = path.join(ROOT, f);
      // A file deleted in the working tree but not yet in the index holds nothing.
      return existsSync(file) && readFileSync(file, "utf8").includes(OUTSIDE);
    });
    expect(offenders).toEqual([]);
  });

  it("every relative link of README.md and docs/ reaches a file of the repository", () => {
    const files = [
      "README.md",
      ...readdirSync(path.join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
    ];
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      const targets = [
        ...text.matchAll(/\]\(([^)\s]+)\)/g),
        ...text.matchAll(/src="([^"]+)"/g),
      ].map((m) => m[1] ?? "");
      for (const target of targets) {
        if (/^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
        const resolved = path.resolve(ROOT, path.dirname(file), target.split("#")[0] ?? "");
        if (!resolved.startsWith(ROOT + path.sep)) broken.push(`${file}: ${target} (outside)`);
        else
          try {
            readFileSync(resolved);
          } catch {
            try {
              readdirSync(resolved);
            } catch {
              broken.push(`${file}: ${target}`);
            }
          }
      }
    }
    expect(broken).toEqual([]);
  });

  it("the walkthrough builds JSON with jq (no hand-escaped quotes) and checks every curl", () => {
    const blocks = walkthroughBlocks(README);
    expect(blocks[0]?.marker).toBe("variables");
    expect(blocks.filter((b) => b.marker === "variables")).toHaveLength(1);
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    for (const { code } of blocks) expect(code).not.toContain('\\"');
    const curls = blocks.flatMap((b) => b.code.match(/\bcurl\b[^\n]*/g) ?? []);
    expect(curls.length).toBeGreaterThanOrEqual(6);
    for (const line of curls) expect(line).toMatch(/ -fsS /);
  });
});

describe.skipIf(missing.length > 0 && !ON_CI)("the README's walkthrough, run with bash", () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    if (missing.length) throw new Error(`${missing.join(" and ")} missing (CI installs them)`);
    t = await startTestApp();
    dir = await mkdtemp(path.join(os.tmpdir(), "portal-readme-"));
  });
  afterAll(async () => {
    await t?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs every step against the local stack; the download equals the upload", async () => {
    const blocks = walkthroughBlocks(README);
    const variables = blocks.find((b) => b.marker === "variables")?.code ?? "";
    const env: Record<string, string> = {
      API: `${t.url}/graphql`,
      ADMIN_EMAIL: t.stack.admin.email,
      ADMIN_PASSWORD: t.stack.admin.password,
    };
    // The reader sets exactly these; the test gives the same names the stack's values.
    const assigned = [...variables.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]);
    expect(assigned.sort()).toEqual(Object.keys(env).sort());

    const steps = blocks.filter((b) => b.marker === "step");
    const script = [
      "set -euo pipefail",
      ...steps.flatMap((b, i) => [`echo "== step ${i + 1}" >&2`, b.code, `echo "== ok ${i + 1}"`]),
    ].join("\n");
    const { stdout } = await run("bash", ["-c", script], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
      timeout: 60_000,
    }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`${err.message}\nstdout:\n${err.stdout ?? ""}\nstderr:\n${err.stderr ?? ""}`);
    });
    for (let i = 1; i <= steps.length; i++) expect(stdout).toContain(`== ok ${i}\n`);

    // The walkthrough's own `cmp` passed; check the bytes once more from here.
    const uploaded = await readFile(path.join(dir, "report.txt"));
    const downloaded = await readFile(path.join(dir, "downloaded.txt"));
    expect(uploaded.length).toBeGreaterThan(0);
    expect(downloaded.equals(uploaded)).toBe(true);
  });
});
