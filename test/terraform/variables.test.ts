import { describe, expect, it } from "vitest";
import { evaluateCondition, translateCondition } from "./hcl-condition";
import { blocks, str, terraform, variable } from "./terraform-config";
import type { TerraformConfig } from "./terraform-config";

/** Does every validation of `name` accept `value`? */
function accepts(cfg: TerraformConfig, name: string, value: unknown): boolean {
  const validations = blocks(variable(cfg, name), "validation");
  if (validations.length === 0) throw new Error(`variable "${name}" has no validation`);
  return validations.every((v) => evaluateCondition(str(v, "condition"), name, value));
}

/** Accept / reject examples per variable: what the validations must let through and stop. */
const CASES: Record<string, { ok: unknown[]; bad: unknown[] }> = {
  aws_region: {
    ok: ["eu-west-1", "us-east-2", "ap-southeast-2", "eu-central-2"],
    bad: ["", "eu-west", "EU-WEST-1", "eu_west_1", "europe"],
  },
  project: {
    ok: ["file-portal", "fp", "acme-files-2026"],
    bad: ["f", "File-portal", "1portal", "portal-", "a-name-that-is-too-long", "file_portal"],
  },
  environment: {
    ok: ["prod", "dev", "staging", "e2e-1", "p"],
    bad: ["", "Prod", "1prod", "prod-", "preproduction1", "prod env"],
  },
  allowed_origins: {
    ok: [
      [],
      ["https://portal.example.com"],
      ["https://portal.example.com:8443", "http://localhost:5173"],
      ["http://127.0.0.1:3000"],
      ["http://localhost"],
    ],
    bad: [
      ["https://portal.example.com/"],
      ["https://portal.example.com/app"],
      ["http://portal.example.com"],
      ["https://Portal.example.com"],
      ["*"],
      ["https://*.example.com"],
      ["portal.example.com"],
      ["https://portal.example.com", "https://portal.example.com"],
      ["https://portal.example.com", "http://evil.localhost.example.com"],
    ],
  },
  app_url: {
    ok: [null, "https://portal.example.com", "https://files.acme.example:8443"],
    bad: [
      "http://portal.example.com",
      "https://portal.example.com/",
      "https://Portal.example.com",
      "",
    ],
  },
  bucket_name: {
    ok: [null, "acme-portal-files", "a.b-c"],
    bad: ["ab", "Acme-files", "-files", "files-", "files_bucket", "x".repeat(64)],
  },
  multipart_abort_days: { ok: [1, 7, 365], bad: [0, -1, 366, 1.5] },
  noncurrent_version_expiration_days: { ok: [1, 30, 3650], bad: [0, 3651, 2.5] },
  temporary_password_validity_days: { ok: [1, 7, 365], bad: [0, 366, 0.5] },
  access_token_validity_minutes: { ok: [5, 15, 60], bad: [4, 61, 1440, 15.5] },
  id_token_validity_minutes: { ok: [5, 15, 60], bad: [4, 61, 1440, 15.5] },
  refresh_token_validity_days: { ok: [1, 7, 30, 3650], bad: [0, 3651, 1.5] },
  cognito_user_pool_tier: { ok: ["LITE", "ESSENTIALS", "PLUS"], bad: ["lite", "FREE", ""] },
  lambda_zip_path: {
    ok: ["dist/lambda/lambda.zip", "/abs/path/api.zip"],
    bad: ["dist/lambda", "lambda.js"],
  },
  lambda_runtime: {
    ok: ["nodejs24.x", "nodejs22.x"],
    bad: ["nodejs20.x", "nodejs18.x", "nodejs24", "python3.12", ""],
  },
  lambda_memory_mb: { ok: [128, 512, 10240], bad: [127, 10241, 512.5] },
  lambda_timeout_seconds: { ok: [3, 15, 30], bad: [2, 31, 900] },
  lambda_reserved_concurrency: { ok: [null, 1, 50], bad: [0, -1, 2.5] },
  log_retention_days: { ok: [1, 7, 30, 365, 3653], bad: [0, 2, 31, 10000] },
  log_level: { ok: ["debug", "info", "warn", "error", "silent"], bad: ["trace", "INFO", ""] },
  user_cache_ttl_seconds: { ok: [0, 60, 3600], bad: [-1, 3601, 1.5] },
  upload_url_ttl_seconds: { ok: [60, 900, 3600], bad: [59, 3601, 604800] },
  download_url_ttl_seconds: { ok: [10, 300, 3600], bad: [9, 3601] },
  api_throttling_burst_limit: { ok: [1, 100, 5000], bad: [0, 5001, 1.5] },
  api_throttling_rate_limit: { ok: [0.5, 50, 10000], bad: [0, -1, 10001] },
  mail_from: {
    ok: [null, "portal@example.com", "no-reply+files@mail.acme.example"],
    bad: ["", "Portal <portal@example.com>", "portal@", "portal@Example.com", "portal@localhost"],
  },
  ses_identity: { ok: ["address", "domain"], bad: ["email", "Domain", ""] },
  invitation_ttl_hours: { ok: [1, 72, 720], bad: [0, 721, 1.5] },
  session_secret_version: { ok: [1, 2, 100], bad: [0, -1, 1.5] },
  alarm_email: { ok: ["", "ops@example.com"], bad: ["ops", "ops@example", "a b@example.com"] },
  alarm_5xx_rate_percent: { ok: [0.5, 5, 100], bad: [0, -1, 101] },
  access_log_expiration_days: { ok: [1, 365, 3650], bad: [0, 3651, 1.5] },
};

describe("variables", () => {
  it("every variable has a description and a type", async () => {
    const cfg = await terraform();
    expect(cfg.variables.size).toBeGreaterThan(20);
    for (const [name, v] of cfg.variables) {
      expect(typeof v.description === "string" && v.description.length >= 20, name).toBe(true);
      expect(typeof v.type === "string" && /^\$\{.+\}$/.test(v.type), name).toBe(true);
    }
  });

  it("only aws_region must be given", async () => {
    const cfg = await terraform();
    const required = [...cfg.variables].filter(([, v]) => !("default" in v)).map(([n]) => n);
    expect(required).toEqual(["aws_region"]);
  });

  it("every declared variable is used, and every used variable is declared", async () => {
    const cfg = await terraform();
    const used = new Set<string>();
    for (const f of cfg.files) {
      // Inside variables.tf only validations refer to variables, and only to themselves.
      if (f.name === "variables.tf") continue;
      for (const m of f.text.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)) used.add(m[1] as string);
    }
    expect([...used].filter((n) => !cfg.variables.has(n))).toEqual([]);
    expect([...cfg.variables.keys()].filter((n) => !used.has(n))).toEqual([]);
  });

  it("validates every variable where a bad value is possible", async () => {
    const cfg = await terraform();
    const unvalidated = [...cfg.variables]
      .filter(([, v]) => blocks(v, "validation").length === 0)
      .map(([n]) => n)
      .sort();
    // Booleans and free-form tags have no invalid values.
    expect(unvalidated).toEqual([
      "bucket_force_destroy",
      "cognito_deletion_protection",
      "graphql_introspection",
      "tags",
    ]);
    for (const name of Object.keys(CASES)) expect(cfg.variables.has(name), name).toBe(true);
    expect(Object.keys(CASES).sort()).toEqual(
      [...cfg.variables.keys()].filter((n) => !unvalidated.includes(n)).sort(),
    );
  });

  it("every validation has an error message naming the variable or its rule", async () => {
    const cfg = await terraform();
    for (const [name, v] of cfg.variables)
      for (const val of blocks(v, "validation"))
        expect(str(val, "error_message").length, name).toBeGreaterThan(15);
  });

  it("every default passes its own validations", async () => {
    const cfg = await terraform();
    for (const [name, v] of cfg.variables)
      if ("default" in v && blocks(v, "validation").length)
        expect(accepts(cfg, name, v.default), `${name} = ${JSON.stringify(v.default)}`).toBe(true);
  });

  for (const [name, { ok, bad }] of Object.entries(CASES)) {
    it(`${name}: accepts ${ok.length} and rejects ${bad.length} example values`, async () => {
      const cfg = await terraform();
      for (const value of ok) expect(accepts(cfg, name, value), JSON.stringify(value)).toBe(true);
      for (const value of bad) expect(accepts(cfg, name, value), JSON.stringify(value)).toBe(false);
    });
  }

  it("has the defaults the design asks for", async () => {
    const cfg = await terraform();
    const defaults: Record<string, unknown> = {
      environment: "prod",
      bucket_name: null,
      bucket_force_destroy: false,
      multipart_abort_days: 7,
      noncurrent_version_expiration_days: 30,
      cognito_deletion_protection: true,
      temporary_password_validity_days: 7,
      access_token_validity_minutes: 60,
      id_token_validity_minutes: 60,
      refresh_token_validity_days: 30,
      allowed_origins: [],
      app_url: null,
      mail_from: null,
      ses_identity: "address",
      invitation_ttl_hours: 72,
      session_secret_version: 1,
      alarm_email: "",
      lambda_zip_path: "dist/lambda/lambda.zip",
      lambda_runtime: "nodejs24.x",
      lambda_reserved_concurrency: 20,
      log_retention_days: 30,
      graphql_introspection: false,
    };
    for (const [name, value] of Object.entries(defaults))
      expect(variable(cfg, name).default, name).toEqual(value);
  });

  it("the condition evaluator refuses what it does not understand", () => {
    expect(() => translateCondition("${var.x > var.y}", "x")).toThrow(/identifier "var"/);
    expect(() => translateCondition("${startswith(var.x, 1)}", "x")).toThrow(/startswith/);
    expect(() => translateCondition("${can(tonumber(var.x))}", "x")).toThrow(/unsupported can/);
    expect(evaluateCondition("${var.n >= 2 && floor(var.n) == var.n}", "n", 2)).toBe(true);
    expect(evaluateCondition("${var.n >= 2 && floor(var.n) == var.n}", "n", 2.5)).toBe(false);
  });
});
