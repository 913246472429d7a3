import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  REPO_ROOT,
  block,
  isObject,
  output,
  resource,
  resourcesOfType,
  stringList,
  terraform,
  variable,
} from "./terraform-config";
import type { HclObject } from "./terraform-config";

/** Variables Lambda sets itself and refuses to take from a function's configuration. */
const LAMBDA_RESERVED_ENV = [
  "_HANDLER",
  "_X_AMZN_TRACE_ID",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "LAMBDA_RUNTIME_DIR",
];

/** What the API reads in AWS mode (besides AWS_REGION, which Lambda provides). */
const API_ENV = {
  NODE_ENV: "production",
  COGNITO_USER_POOL_ID: "${aws_cognito_user_pool.main.id}",
  COGNITO_CLIENT_ID: "${aws_cognito_user_pool_client.web.id}",
  S3_BUCKET: "${aws_s3_bucket.files.id}",
  CORS_ORIGINS: '${join(",", var.allowed_origins)}',
  LOG_LEVEL: "${var.log_level}",
  USER_CACHE_TTL_SECONDS: "${tostring(var.user_cache_ttl_seconds)}",
  UPLOAD_URL_TTL_SECONDS: "${tostring(var.upload_url_ttl_seconds)}",
  DOWNLOAD_URL_TTL_SECONDS: "${tostring(var.download_url_ttl_seconds)}",
  // Multipart uploads may be finished as long as the bucket's lifecycle rule keeps them.
  MULTIPART_WINDOW_SECONDS: "${tostring(var.multipart_abort_days * 86400)}",
  GRAPHQL_PLAYGROUND: "${tostring(var.graphql_playground)}",
  GRAPHQL_INTROSPECTION: "${tostring(var.graphql_introspection)}",
};

function srcText(): string {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
    );
  return walk(path.join(REPO_ROOT, "src"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
}

const lambda = async () => resource(await terraform(), "aws_lambda_function.api");
const envVars = async (): Promise<HclObject> => {
  const vars = block(await lambda(), "environment").variables;
  if (!isObject(vars)) throw new Error("environment.variables is not a literal map");
  return vars;
};

describe("Lambda function", () => {
  it("runs lambda.handler from the zip build:lambda writes, redeploying when it changes", async () => {
    const cfg = await terraform();
    const fn = await lambda();
    expect(fn.handler).toBe("lambda.handler");
    expect(fn.filename).toBe("${local.lambda_zip_path}");
    expect(fn.source_code_hash).toBe("${filebase64sha256(local.lambda_zip_path)}");
    expect(variable(cfg, "lambda_zip_path").default).toBe("dist/lambda/lambda.zip");
    expect(cfg.locals.get("lambda_zip_path")).toBe(
      '${startswith(var.lambda_zip_path, "/") ? var.lambda_zip_path : "${path.module}/../${var.lambda_zip_path}"}',
    );
  });

  it("runs on arm64 with the runtime, memory and timeout from variables", async () => {
    const fn = await lambda();
    expect(fn.architectures).toEqual(["arm64"]);
    expect(fn.runtime).toBe("${var.lambda_runtime}");
    expect(fn.memory_size).toBe("${var.lambda_memory_mb}");
    expect(fn.timeout).toBe("${var.lambda_timeout_seconds}");
    expect(fn.reserved_concurrent_executions).toBe("${var.lambda_reserved_concurrency}");
  });

  it("sets exactly the environment the API reads, in production mode", async () => {
    expect(await envVars()).toEqual(API_ENV);
  });

  it("sets no reserved variable (AWS_REGION comes from Lambda itself)", async () => {
    const keys = Object.keys(await envVars());
    for (const reserved of LAMBDA_RESERVED_ENV) expect(keys).not.toContain(reserved);
    expect(keys.filter((k) => k.startsWith("AWS_") || k.startsWith("LAMBDA_"))).toEqual([]);
  });

  it("every variable it sets is one the code reads (catches typos)", async () => {
    const src = srcText();
    for (const key of Object.keys(await envVars()))
      expect(src.includes(`"${key}"`), `${key} is not read anywhere in src/`).toBe(true);
  });

  it("logs to its own log group, which has a retention", async () => {
    const cfg = await terraform();
    const fn = await lambda();
    expect(block(fn, "logging_config").log_group).toBe("${aws_cloudwatch_log_group.lambda.name}");
    const group = resource(cfg, "aws_cloudwatch_log_group.lambda");
    expect(group.name).toBe("/aws/lambda/${local.function_name}");
    expect(cfg.locals.get("function_name")).toBe("${local.name}-api");
    expect(fn.function_name).toBe("${local.function_name}");
    expect(fn.depends_on).toContain("${aws_cloudwatch_log_group.lambda}");
    expect(fn.depends_on).toContain("${aws_iam_role_policy.api}");
  });

  it("keeps every log group for var.log_retention_days (default 30)", async () => {
    const cfg = await terraform();
    const groups = resourcesOfType(cfg, "aws_cloudwatch_log_group");
    expect(groups.map(([a]) => a).sort()).toEqual([
      "aws_cloudwatch_log_group.api_access",
      "aws_cloudwatch_log_group.lambda",
    ]);
    for (const [, g] of groups) expect(g.retention_in_days).toBe("${var.log_retention_days}");
    expect(variable(cfg, "log_retention_days").default).toBe(30);
  });

  it("may be invoked by this HTTP API only", async () => {
    const cfg = await terraform();
    const perms = resourcesOfType(cfg, "aws_lambda_permission");
    expect(perms).toHaveLength(1);
    const p = perms[0]?.[1] ?? {};
    expect(p.action).toBe("lambda:InvokeFunction");
    expect(p.principal).toBe("apigateway.amazonaws.com");
    expect(p.function_name).toBe("${aws_lambda_function.api.function_name}");
    expect(p.source_arn).toBe("${aws_apigatewayv2_api.http.execution_arn}/*/*");
  });
});

describe("HTTP API", () => {
  it("is an HTTP API with CORS for the app's origins", async () => {
    const api = resource(await terraform(), "aws_apigatewayv2_api.http");
    expect(api.protocol_type).toBe("HTTP");
    const cors = block(api, "cors_configuration");
    expect(cors.allow_origins).toBe("${var.allowed_origins}");
    expect(stringList(cors, "allow_methods").sort()).toEqual(["GET", "OPTIONS", "POST"]);
    expect(stringList(cors, "allow_headers").sort()).toEqual([
      "apollo-require-preflight",
      "authorization",
      "content-type",
      "x-request-id",
    ]);
    expect(cors.allow_credentials).toBe(false);
  });

  it("proxies to the function with payload format 2.0", async () => {
    const cfg = await terraform();
    const integrations = resourcesOfType(cfg, "aws_apigatewayv2_integration");
    expect(integrations).toHaveLength(1);
    const i = integrations[0]?.[1] ?? {};
    expect(i.api_id).toBe("${aws_apigatewayv2_api.http.id}");
    expect(i.integration_type).toBe("AWS_PROXY");
    expect(i.integration_uri).toBe("${aws_lambda_function.api.invoke_arn}");
    expect(i.payload_format_version).toBe("2.0");
    expect(Number(i.timeout_milliseconds)).toBeLessThanOrEqual(30000);
  });

  it("routes exactly POST/GET /graphql, GET /healthz and GET /readyz to it (no $default route)", async () => {
    const cfg = await terraform();
    const routes = resourcesOfType(cfg, "aws_apigatewayv2_route");
    expect(routes.map(([a]) => a)).toEqual(["aws_apigatewayv2_route.api"]);
    const r = routes[0]?.[1] ?? {};
    expect(r.for_each).toBe("${toset(local.api_routes)}");
    expect(r.route_key).toBe("${each.value}");
    expect(r.target).toBe("integrations/${aws_apigatewayv2_integration.lambda.id}");
    expect(r.api_id).toBe("${aws_apigatewayv2_api.http.id}");
    const keys = cfg.locals.get("api_routes");
    expect(Array.isArray(keys)).toBe(true);
    expect([...(keys as string[])].sort()).toEqual([
      "GET /graphql",
      "GET /healthz",
      "GET /readyz",
      "POST /graphql",
    ]);
  });

  it("serves a $default stage that auto-deploys, throttles and writes access logs", async () => {
    const cfg = await terraform();
    const stages = resourcesOfType(cfg, "aws_apigatewayv2_stage");
    expect(stages).toHaveLength(1);
    const s = stages[0]?.[1] ?? {};
    expect(s.name).toBe("$default");
    expect(s.auto_deploy).toBe(true);
    expect(block(s, "default_route_settings")).toMatchObject({
      throttling_burst_limit: "${var.api_throttling_burst_limit}",
      throttling_rate_limit: "${var.api_throttling_rate_limit}",
    });
    const logs = block(s, "access_log_settings");
    expect(logs.destination_arn).toBe("${aws_cloudwatch_log_group.api_access.arn}");
    const format = String(logs.format);
    for (const field of ["$context.requestId", "$context.status", "$context.routeKey"])
      expect(format).toContain(field);
    // No request headers or bodies (tokens) in access logs.
    expect(format).not.toMatch(/authorization|\$request\.header/i);
  });
});

describe("outputs", () => {
  it("has every output the README and the apps rely on, each described", async () => {
    const cfg = await terraform();
    for (const name of [
      "api_url",
      "graphql_url",
      "user_pool_id",
      "user_pool_client_id",
      "bucket_name",
      "region",
      "env",
      "api_env",
      "web_env",
    ])
      expect(String(output(cfg, name).description ?? "").length, name).toBeGreaterThan(10);
    for (const [name, o] of cfg.outputs) expect(typeof o.description, name).toBe("string");
  });

  it("points at the right resources", async () => {
    const cfg = await terraform();
    expect(output(cfg, "api_url").value).toBe("${aws_apigatewayv2_api.http.api_endpoint}");
    expect(output(cfg, "graphql_url").value).toBe(
      "${aws_apigatewayv2_api.http.api_endpoint}/graphql",
    );
    expect(output(cfg, "user_pool_id").value).toBe("${aws_cognito_user_pool.main.id}");
    expect(output(cfg, "user_pool_client_id").value).toBe("${aws_cognito_user_pool_client.web.id}");
    expect(output(cfg, "bucket_name").value).toBe("${aws_s3_bucket.files.id}");
    expect(output(cfg, "region").value).toBe("${var.aws_region}");
    expect(output(cfg, "env").value).toEqual({
      api: "${local.api_env}",
      web: "${local.web_env}",
    });
    expect(output(cfg, "api_env").value).toBe("${local.api_env}");
    expect(output(cfg, "web_env").value).toBe("${local.web_env}");
  });

  it("api_env holds exactly the variables `npm start` needs for AWS mode", async () => {
    const cfg = await terraform();
    const text = String(cfg.locals.get("api_env"));
    const lines = text.trim().split("\n");
    expect(lines.map((l) => l.split("=")[0])).toEqual([
      "AWS_REGION",
      "COGNITO_USER_POOL_ID",
      "COGNITO_CLIENT_ID",
      "S3_BUCKET",
      "CORS_ORIGINS",
    ]);
    expect(text).toContain("AWS_REGION=${var.aws_region}\n");
    expect(text).toContain("COGNITO_USER_POOL_ID=${aws_cognito_user_pool.main.id}\n");
    expect(text).toContain("COGNITO_CLIENT_ID=${aws_cognito_user_pool_client.web.id}\n");
    expect(text).toContain("S3_BUCKET=${aws_s3_bucket.files.id}\n");
    expect(text).toContain('CORS_ORIGINS=${join(",", var.allowed_origins)}\n');
    const src = srcText();
    for (const line of lines) expect(src).toContain(`"${line.split("=")[0]}"`);
  });

  it("web_env gives the React app the GraphQL URL, region and client id", async () => {
    const cfg = await terraform();
    const text = String(cfg.locals.get("web_env"));
    expect(text).toContain("_GRAPHQL_URL=${aws_apigatewayv2_api.http.api_endpoint}/graphql\n");
    expect(text).toContain("_AWS_REGION=${var.aws_region}\n");
    expect(text).toContain("_COGNITO_CLIENT_ID=${aws_cognito_user_pool_client.web.id}\n");
  });

  it("outputs nothing secret", async () => {
    const cfg = await terraform();
    for (const [name, o] of cfg.outputs) {
      expect(o.sensitive, name).toBeUndefined();
      expect(JSON.stringify(o.value), name).not.toMatch(/secret|password|access_key/i);
    }
  });
});
