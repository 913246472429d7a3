import { spawnSync } from "node:child_process";
import type { SpawnSyncReturns } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestContext } from "vitest";
import { TERRAFORM_DIR, listTfFiles } from "./terraform-config";

/**
 * Terraform's own checks, where a terraform binary and the AWS provider are available without
 * a network (a CLI config with a filesystem mirror, as on the team's machines). Elsewhere each
 * check is reported as SKIPPED with its reason, never as passed; the tests that read the
 * configuration as data (the rest of test/terraform/) run everywhere.
 *
 * Nothing is written into terraform/: `fmt -check` only reads, and init/validate run in a
 * temporary copy (so no .terraform folder or lock file appears in the repository).
 */

const ENV = { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_INPUT: "0" };
const run = (args: string[], cwd: string): SpawnSyncReturns<string> =>
  spawnSync("terraform", args, { cwd, env: ENV, encoding: "utf8", timeout: 180_000 });

const version = run(["version", "-json"], TERRAFORM_DIR);
const binary: { version: string } | { missing: string } =
  version.status === 0
    ? { version: (JSON.parse(version.stdout) as { terraform_version: string }).terraform_version }
    : { missing: version.error ? "no terraform binary on PATH" : version.stderr.trim() };

/** What `terraform init` could install offline for the validate checks. */
type Init =
  | {
      readonly ok: true;
      readonly dir: string;
      readonly provider: string;
      readonly relaxed: boolean;
    }
  | { readonly ok: false; readonly reason: string };

const PROVIDER_UNAVAILABLE =
  /Failed to query available provider packages|Failed to install provider|could not connect|no available releases match/i;
const VERSION_MISMATCH = /no available releases match the given constraints/i;
const CONSTRAINT = /(source\s*=\s*"hashicorp\/aws"\s*\n\s*version\s*=\s*)"([^"]+)"/;

function skipWith(ctx: TestContext, reason: string): never {
  // One line in the run's output, and the test reported as skipped (not passed).
  console.warn(`SKIPPED ${ctx.task.name}: ${reason}`);
  return ctx.skip(reason);
}

function firstError(r: SpawnSyncReturns<string>): string {
  const text = `${r.stderr}\n${r.stdout}`;
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l.startsWith("Error:")) ??
    text.trim().split("\n")[0] ??
    ""
  );
}

describe("terraform's own checks (terraform fmt -check, terraform validate)", () => {
  let init: Init = { ok: false, reason: "not attempted" };
  let constraint = "";
  let tmp: string | undefined;

  beforeAll(() => {
    if ("missing" in binary) {
      init = { ok: false, reason: binary.missing };
      return;
    }
    tmp = mkdtempSync(path.join(os.tmpdir(), "portal-tf-"));
    for (const f of listTfFiles()) copyFileSync(path.join(TERRAFORM_DIR, f), path.join(tmp, f));
    const versionsFile = path.join(tmp, "versions.tf");
    const versions = readFileSync(versionsFile, "utf8");
    constraint = CONSTRAINT.exec(versions)?.[2] ?? "";
    if (!constraint) throw new Error("versions.tf: no version constraint for hashicorp/aws");

    const attempt = (): SpawnSyncReturns<string> =>
      run(["init", "-backend=false", "-input=false", "-no-color"], tmp as string);
    let r = attempt();
    let relaxed = false;
    if (r.status !== 0 && VERSION_MISMATCH.test(r.stderr)) {
      // The machine has the provider, in a version outside the constraint: validate against it
      // in the temporary copy (the schema check is then that version's), and say so.
      writeFileSync(versionsFile, versions.replace(CONSTRAINT, '$1">= 5.0.0"'));
      relaxed = true;
      r = attempt();
    }
    if (r.status !== 0) {
      if (PROVIDER_UNAVAILABLE.test(r.stderr)) {
        init = { ok: false, reason: `hashicorp/aws not installable offline: ${firstError(r)}` };
        return;
      }
      throw new Error(`terraform init failed:\n${r.stdout}\n${r.stderr}`);
    }
    const lock = readFileSync(path.join(tmp, ".terraform.lock.hcl"), "utf8");
    const provider =
      /provider "registry\.terraform\.io\/hashicorp\/aws" \{\s*version\s*=\s*"([^"]+)"/.exec(
        lock,
      )?.[1] ?? "unknown";
    init = { ok: true, dir: tmp, provider, relaxed };
  }, 200_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("terraform fmt -check: every .tf and .tfvars file is formatted as terraform writes it", (ctx) => {
    if ("missing" in binary) skipWith(ctx, binary.missing);
    const r = run(["fmt", "-check", "-recursive", "-diff", "-no-color"], TERRAFORM_DIR);
    expect(r.status, `terraform fmt would change:\n${r.stdout}${r.stderr}`).toBe(0);
  });

  let validated: SpawnSyncReturns<string> | undefined;
  const validate = (dir: string) => (validated ??= run(["validate", "-no-color"], dir));

  it("terraform validate, against the AWS provider available offline", (ctx) => {
    if (!init.ok) skipWith(ctx, init.reason);
    const r = validate(init.dir);
    if (init.relaxed)
      console.warn(
        `terraform validate ran against hashicorp/aws ${init.provider}, the version available offline; ` +
          `the configuration requires "${constraint}" (relaxed in a temporary copy only)`,
      );
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain("The configuration is valid");
  });

  it("terraform validate with the configuration's own provider constraint", (ctx) => {
    if (!init.ok) skipWith(ctx, init.reason);
    if (init.relaxed)
      skipWith(
        ctx,
        `only hashicorp/aws ${init.provider} is available offline, outside the required "${constraint}"`,
      );
    const r = validate(init.dir);
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  });
});
