import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./terraform-config";

/**
 * What the Terraform deploys for code that other issues of this round add (plan.md, "Decisions
 * the lead has fixed"). Until that code lands, src/ does not read these settings or send these
 * commands, so the checks "the code uses everything Terraform provides" cannot hold for them
 * yet: each such check is reported as SKIPPED (never passed) while its code is missing, and runs
 * by itself once src/ has it. Remove an entry when its code has landed.
 */
export const PLANNED_ENV: Readonly<Record<string, string>> = {
  MAIL_FROM: "issue 14: sender of invitation and reset emails",
  APP_URL: "issue 14: base of the links in emails",
  ADMIN_MFA: "issue 14: TOTP required of admins",
  INVITATION_TTL_HOURS: "issue 14: lifetime of invitation links",
};

/** IAM actions granted for commands the lead's code will send (plan.md's command list). */
export const PLANNED_ACTIONS: Readonly<Record<string, string>> = {
  "ses:SendEmail": "issue 14: SES v2 SendEmailCommand from the sender identity",
};

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
