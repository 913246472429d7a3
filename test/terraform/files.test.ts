import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatProblems } from "./hcl-format";
import { evaluateCondition } from "./hcl-condition";
import {
  TERRAFORM_DIR,
  allStrings,
  block,
  blocks,
  isObject,
  listTfFiles,
  parseHcl,
  str,
  terraform,
} from "./terraform-config";

const read = (name: string) => readFileSync(path.join(TERRAFORM_DIR, name), "utf8");

describe("terraform/ files", () => {
  it("has the expected files", () => {
    for (const f of [
      "versions.tf",
      "providers.tf",
      "locals.tf",
      "variables.tf",
      "outputs.tf",
      "cognito.tf",
      "s3.tf",
      "iam.tf",
      "api.tf",
      "secrets.tf",
      "email.tf",
      "monitoring.tf",
      "access-logs.tf",
      "README.md",
      "backend.hcl.example",
      "environments/dev.tfvars",
      "environments/prod.tfvars",
      ".gitignore",
    ])
      expect(existsSync(path.join(TERRAFORM_DIR, f)), f).toBe(true);
    expect(existsSync(path.join(TERRAFORM_DIR, "terraform.tfvars.example"))).toBe(false);
  });

  it("parses every .tf file with hcl2json", async () => {
    const cfg = await terraform();
    expect(cfg.files.map((f) => f.name)).toEqual(listTfFiles());
    expect(cfg.files.length).toBeGreaterThanOrEqual(13);
    for (const f of cfg.files) expect(Object.keys(f.json).length, f.name).toBeGreaterThan(0);
  });

  it("the parser rejects invalid HCL (so a broken file fails the suite)", async () => {
    await expect(parseHcl("broken.tf", 'resource "a" "b" {\n  x = \n')).rejects.toThrow();
  });

  it("every .tf file is laid out as `terraform fmt` would", async () => {
    const cfg = await terraform();
    expect(cfg.files.flatMap((f) => formatProblems(f.name, f.text))).toEqual([]);
  });

  it("the layout check catches misalignment, bad indentation, tabs and trailing spaces", () => {
    const good = [
      'resource "x" "y" {',
      "  a   = 1",
      "  bcd = 2",
      "  list = [",
      '    "q",',
      "  ]",
      "  cond = alltrue([",
      "    true,",
      "  ])",
      "  v = <<-EOT",
      "    text = here",
      "  EOT",
      "}",
      "",
    ].join("\n");
    expect(formatProblems("good.tf", good)).toEqual([]);
    const bad = [
      'resource "x" "y" {',
      "  a = 1",
      "  bcd = 2",
      "   e  = 3",
      "\tf = 4 ",
      "}",
      "",
    ].join("\n");
    const problems = formatProblems("bad.tf", bad);
    expect(problems).toContain('bad.tf:2: "=" at column 5, expected 7 (align the run)');
    expect(problems).toContain("bad.tf:4: indented 3 spaces, expected 2");
    expect(problems.some((p) => p.startsWith("bad.tf:5: tab"))).toBe(true);
    expect(problems).toContain("bad.tf:5: trailing whitespace");
    expect(formatProblems("nl.tf", "x = 1")).toEqual(["nl.tf: must end with exactly one newline"]);
  });

  it("hard-codes no ARNs, account ids or access keys", async () => {
    const cfg = await terraform();
    for (const f of cfg.files) {
      const values = allStrings(f.json);
      expect(
        values.filter((v) => /arn:aws[a-z-]*:/.test(v)),
        f.name,
      ).toEqual([]);
      expect(
        values.filter((v) => /(^|[^\d])\d{12}([^\d]|$)/.test(v)),
        f.name,
      ).toEqual([]);
      expect(/AKIA[0-9A-Z]{16}/.test(f.text), f.name).toBe(false);
    }
  });
});

describe("versions and providers", () => {
  it("requires Terraform >= 1.11 (write-only arguments) and below 2", async () => {
    const cfg = await terraform();
    expect(cfg.terraformBlocks).toHaveLength(1);
    const tf = cfg.terraformBlocks[0] ?? {};
    const required = str(tf, "required_version");
    const min = /^>=\s*1\.(\d+)/.exec(required);
    expect(min, required).not.toBeNull();
    expect(Number(min?.[1])).toBeGreaterThanOrEqual(11);
    expect(required).toMatch(/<\s*2\.0/);
  });

  it("pins the AWS provider to one major version and needs no other provider", async () => {
    const cfg = await terraform();
    const tf = cfg.terraformBlocks[0] ?? {};
    const providers = block(tf, "required_providers");
    expect(Object.keys(providers)).toEqual(["aws"]);
    const aws = providers.aws;
    expect(isObject(aws)).toBe(true);
    if (!isObject(aws)) return;
    expect(aws.source).toBe("hashicorp/aws");
    const version = String(aws.version);
    // "~> 6.x" or an exact/fully bounded 6.x constraint; never an open ">= x".
    const m = /^(?:~>\s*|=?\s*|>=\s*)6\.(\d+)(?:\.\d+)?(?:,\s*<\s*7\.0(?:\.0)?)?$/.exec(version);
    expect(m, version).not.toBeNull();
    // aws_lambda_function accepts nodejs24.x (the default runtime) from provider 6.19 on.
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(19);
  });

  it("keeps state in S3 with S3-native locking and encryption; bucket, key and Region come from backend.hcl", async () => {
    const cfg = await terraform();
    const backend = cfg.terraformBlocks[0]?.backend;
    expect(isObject(backend)).toBe(true);
    if (!isObject(backend)) return;
    expect(Object.keys(backend)).toEqual(["s3"]);
    expect(block(backend, "s3")).toEqual({ encrypt: true, use_lockfile: true });
    const example = await parseHcl("backend.hcl.example", read("backend.hcl.example"));
    expect(Object.keys(example).sort()).toEqual(["bucket", "region"]);
    expect(read("backend.hcl.example")).toContain('-backend-config="key=');
    // No DynamoDB lock table: deprecated since use_lockfile.
    expect(JSON.stringify(example)).not.toMatch(/dynamodb/i);
  });

  it("configures the aws provider from var.aws_region with default tags", async () => {
    const cfg = await terraform();
    const aws = cfg.providers.get("aws") ?? [];
    expect(aws).toHaveLength(1);
    const p = aws[0] ?? {};
    expect(p.region).toBe("${var.aws_region}");
    const tags = str(block(p, "default_tags"), "tags");
    for (const t of ["Project", "Environment", "ManagedBy"]) expect(tags).toContain(t);
    expect(tags).toContain("var.tags");
  });
});

describe("environments/*.tfvars and .gitignore", () => {
  const ENVIRONMENTS = ["dev", "prod"];

  it("has one variables file per environment, setting only declared variables, each valid", async () => {
    const cfg = await terraform();
    const files = readdirSync(path.join(TERRAFORM_DIR, "environments")).sort();
    expect(files).toEqual(ENVIRONMENTS.map((e) => `${e}.tfvars`).sort());
    for (const env of ENVIRONMENTS) {
      const values = await parseHcl(`${env}.tfvars`, read(`environments/${env}.tfvars`));
      expect(values.environment, env).toBe(env);
      expect(typeof values.aws_region, env).toBe("string");
      for (const [name, value] of Object.entries(values)) {
        const v = cfg.variables.get(name);
        expect(v, `${env}.tfvars sets undeclared ${name}`).toBeDefined();
        for (const val of blocks(v ?? {}, "validation"))
          expect(evaluateCondition(str(val, "condition"), name, value), `${env}: ${name}`).toBe(
            true,
          );
      }
    }
  });

  it("production keeps the safety catches on; nothing secret is in any environment file", async () => {
    const prod = await parseHcl("prod.tfvars", read("environments/prod.tfvars"));
    expect(prod.cognito_deletion_protection).toBe(true);
    expect(prod.bucket_force_destroy).toBe(false);
    expect(prod.graphql_introspection).toBeUndefined();
    for (const env of ENVIRONMENTS)
      expect(read(`environments/${env}.tfvars`)).not.toMatch(/secret\s*=|password\s*=|AKIA/i);
  });

  it("keeps state, plans, provider caches, backend.hcl and other tfvars out of git, but not environments/", () => {
    const lines = read(".gitignore").split("\n");
    for (const pattern of [
      ".terraform/",
      "*.tfstate",
      "*.tfstate.*",
      "*.tfvars",
      "*.tfplan",
      "backend.hcl",
      "!environments/*.tfvars",
    ])
      expect(lines).toContain(pattern);
    expect(lines.indexOf("!environments/*.tfvars")).toBeGreaterThan(lines.indexOf("*.tfvars"));
    expect(lines).not.toContain(".terraform.lock.hcl");
  });
});

describe("terraform/README.md", () => {
  const readme = () => read("README.md");
  const order = (t: string, ...steps: string[]) => {
    const at = steps.map((s) => t.indexOf(s));
    expect(
      at.every((i) => i >= 0),
      steps.filter((_, i) => at[i]! < 0).join(", "),
    ).toBe(true);
    expect(at).toEqual([...at].sort((a, b) => a - b));
  };

  it("states the prerequisites: Terraform 1.11, the Lambda runtimes, credentials, concurrency", () => {
    const t = readme();
    expect(t).toContain("Terraform 1.11 or later");
    expect(t).toContain("`nodejs24.x`");
    expect(t).toContain("`nodejs22.x`");
    expect(t).toContain("secretsmanager:GetRandomPassword");
    expect(t).toContain("aws lambda get-account-settings");
  });

  it("walks from the state bucket through build, init with the backend and an environment, to apply and a check", () => {
    order(
      readme(),
      "aws s3api create-bucket",
      "cp backend.hcl.example backend.hcl",
      "environments/prod.tfvars",
      "npm run build:lambda",
      'terraform init -backend-config=backend.hcl -backend-config="key=file-portal/prod.tfstate"',
      "terraform plan -var-file=environments/prod.tfvars -out tfplan",
      "terraform apply tfplan",
      'curl "$(terraform output -raw api_url)/readyz"',
    );
  });

  it("bootstraps the first admin with create-admin and the outputs, then MFA, then the smoke test", () => {
    order(
      readme(),
      "terraform output -raw api_env",
      "npm run create-admin -- --email you@example.com",
      "authenticator app",
      "npm run smoke -- --url",
    );
    expect(readme()).toContain("SMOKE_ADMIN_PASSWORD");
  });

  it("covers environments, the state (locking, what it holds), SES (sandbox, DKIM), alarms and the audit trail", () => {
    const t = readme();
    expect(t).toContain("environments/dev.tfvars");
    expect(t).toContain("-reconfigure");
    expect(t).toContain("use_lockfile");
    expect(t).toContain("session_secret_version");
    expect(t).toMatch(/sandbox/i);
    expect(t).toContain("ses_dkim_records");
    expect(t).toContain("alarm_email");
    expect(t).toContain("access_log_bucket_name");
  });

  it("covers tear-down (deletion protection, versioned bucket) and idle cost", () => {
    const t = readme();
    expect(t).toContain("terraform destroy");
    expect(t).toContain("cognito_deletion_protection = false");
    expect(t).toMatch(/bucket_force_destroy\s+= true/);
    expect(t).toMatch(/version/i);
    expect(t).toMatch(/idle/i);
    expect(t).toContain("https://aws.amazon.com/cognito/pricing/");
    expect(t).toContain("https://aws.amazon.com/lambda/pricing/");
    expect(t).toMatch(/as of writing/i);
  });

  it("names only outputs and variables that exist", async () => {
    const cfg = await terraform();
    const t = readme();
    for (const m of t.matchAll(/terraform(?: -chdir=terraform)? output (?:-raw )?([a-z_]+)/g))
      expect(cfg.outputs.has(m[1] as string), `output ${m[1]}`).toBe(true);
    for (const name of [
      "lambda_reserved_concurrency",
      "lambda_runtime",
      "mail_from",
      "ses_identity",
      "alarm_email",
      "alarm_5xx_rate_percent",
      "session_secret_version",
      "access_log_expiration_days",
      "log_retention_days",
      "noncurrent_version_expiration_days",
      "bucket_force_destroy",
      "cognito_deletion_protection",
    ]) {
      expect(t, name).toContain(name);
      expect(cfg.variables.has(name), name).toBe(true);
    }
  });
});
