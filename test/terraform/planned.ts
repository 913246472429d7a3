import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./terraform-config";

/**
 * What the Terraform deploys for code that other open issues add (their settings and AWS
 * commands, agreed before the code exists). Until that code lands, src/ does not read these
 * settings or send these commands, so the checks "the code uses everything Terraform provides"
 * cannot hold for them yet: each such check is reported as SKIPPED (never passed) while its code is missing, and runs
 * by itself once src/ has it. Remove an entry when its code has landed (issues 12 and 14 have:
 * both lists are empty until the next setting or command arrives ahead of its code).
 */
export const PLANNED_ENV: Readonly<Record<string, string>> = {};

/** IAM actions granted for commands that code of another open issue will send. */
export const PLANNED_ACTIONS: Readonly<Record<string, string>> = {};

let srcCache: string | undefined;
/** Every deployed .ts file of src/, concatenated (read once). */
export function srcText(): string {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
    );
  srcCache ??= walk(path.join(REPO_ROOT, "src"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
  return srcCache;
}

/** Does src/ read this environment variable (by its quoted name)? */
export function srcReads(key: string): boolean {
  return srcText().includes(`"${key}"`);
}
