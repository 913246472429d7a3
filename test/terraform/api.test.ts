import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config.js";
import { PLANNED_ENV, srcReads } from "./planned";
import {
  REPO_ROOT,
  block,
  dynamicBlocks,
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

/**
 * What the API reads in AWS mode (besides AWS_REGION, which Lambda provides), always set.
 * MAIL_FROM is added only when email is configured.
 */
const API_ENV = {
  NODE_ENV: "production",
  NODE_OPTIONS: "--enable-source-maps",
  COGNITO_USER_POOL_ID: "${aws_cognito_user_pool.main.id}",
  COGNITO_CLIENT_ID: "${aws_cognito_user_pool_client.web.id}",
  COGNITO_CLIENT_SECRET_PARAMETER: "${aws_ssm_parameter.cognito_client_secret.name}",
  SESSION_SECRET_PARAMETER: "${aws_ssm_parameter.session_secret.name}",
  S3_BUCKET: "${aws_s3_bucket.files.id}",
  CORS_ORIGINS: '${join(",", local.app_origins)}',
  APP_URL: "${local.app_url}",
  ADMIN_MFA: "required",
  INVITATION_TTL_HOURS: "${tostring(var.invitation_ttl_hours)}",
  LOG_LEVEL: "${var.log_level}",
  USER_CACHE_TTL_SECONDS: "${tostring(var.user_cache_ttl_seconds)}",
  UPLOAD_URL_TTL_SECONDS: "${tostring(var.upload_url_ttl_seconds)}",
  DOWNLOAD_URL_TTL_SECONDS: "${tostring(var.download_url_ttl_seconds)}",
  // Multipart uploads may be finished as long as the bucket's lifecycle rule keeps them.
  MULTIPART_WINDOW_SECONDS: "${tostring(var.multipart_abort_days * 86400)}",
  // The playground's files are not in the Lambda bundle (src/cli/build-lambda.ts, LEFT_OUT).
  GRAPHQL_PLAYGROUND: "false",
  GRAPHQL_INTROSPECTION: "${tostring(var.graphql_introspection)}",
};
/** Read by Node.js itself, not by src/. */
const RUNTIME_ENV = new Set(["NODE_OPTIONS"]);
/**
 * Read by src/config.ts as `${key}_PARAMETER` for COGNITO_CLIENT_SECRET and SESSION_SECRET (no
 * literal to find): the readConfig test below proves they are read.
 */
const SECRET_PARAMETERS = new Set(["COGNITO_CLIENT_SECRET_PARAMETER", "SESSION_SECRET_PARAMETER"]);

/** Example values for the expressions in the function's environment, as after an apply. */
const APPLIED: Record<string, string> = {
  "${aws_cognito_user_pool.main.id}": "eu-west-1_AbCdEf123",
  "${aws_cognito_user_pool_client.web.id}": "4abcdefghijklmnopqrstuvwx1",
  "${aws_ssm_parameter.cognito_client_secret.name}": "/file-portal/prod/cognito-client-secret",
  "${aws_ssm_parameter.session_secret.name}": "/file-portal/prod/session-secret",
  "${aws_s3_bucket.files.id}": "file-portal-prod-files-20261202000000000000000001",
  '${join(",", local.app_origins)}': "https://abc123.execute-api.eu-west-1.amazonaws.com",
  "${local.app_url}": "https://abc123.execute-api.eu-west-1.amazonaws.com",
  "${tostring(var.invitation_ttl_hours)}": "72",
  "${var.log_level}": "info",
  "${tostring(var.user_cache_ttl_seconds)}": "60",
  "${tostring(var.upload_url_ttl_seconds)}": "900",
  "${tostring(var.download_url_ttl_seconds)}": "300",
  "${tostring(var.multipart_abort_days * 86400)}": String(7 * 86400),
  "${tostring(var.graphql_introspection)}": "false",
};

const lambda = async () => resource(await terraform(), "aws_lambda_function.api");
const envVars = async (): Promise<HclObject> => {
  const vars = (await terraform()).locals.get("lambda_environment_base");
  if (!isObject(vars)) throw new Error("local.lambda_environment_base is not a literal map");
  return vars;
};
const envKeys = [...Object.keys(API_ENV), "MAIL_FROM"];

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

  it("runs on arm64 with the runtime, memory, timeout and concurrency cap from variables", async () => {
    const cfg = await terraform();
    const fn = await lambda();
    expect(fn.architectures).toEqual(["arm64"]);
    expect(fn.runtime).toBe("${var.lambda_runtime}");
    expect(variable(cfg, "lambda_runtime").default).toBe("nodejs24.x");
    expect(fn.memory_size).toBe("${var.lambda_memory_mb}");
    expect(fn.timeout).toBe("${var.lambda_timeout_seconds}");
    expect(fn.reserved_concurrent_executions).toBe("${var.lambda_reserved_concurrency}");
    expect(variable(cfg, "lambda_reserved_concurrency").default).toBe(20);
  });

  it("traces every invocation with X-Ray (active tracing)", async () => {
    expect(block(await lambda(), "tracing_config")).toEqual({ mode: "Active" });
  });

  it("sets exactly the environment the API reads, in production mode, MAIL_FROM only with email", async () => {
    const cfg = await terraform();
    expect(block(await lambda(), "environment").variables).toBe("${local.lambda_environment}");
    expect(await envVars()).toEqual(API_ENV);
    expect(cfg.locals.get("lambda_environment")).toBe(
      "${merge(local.lambda_environment_base, local.mail_enabled ? { MAIL_FROM = var.mail_from } : {})}",
    );
    expect(cfg.locals.get("mail_enabled")).toBe("${var.mail_from != null}");
  });

  it("turns source maps on, and the zip carries the map (stack traces name src/*.ts lines)", async () => {
    expect((await envVars()).NODE_OPTIONS).toBe("--enable-source-maps");
    const build = readFileSync(path.join(REPO_ROOT, "src", "cli", "build-lambda.ts"), "utf8");
    expect(build).toMatch(/sourcemap:\s*"linked"/);
    expect(build).toContain("name: `${path.basename(file)}.map`");
  });

  it("sets no reserved variable (AWS_REGION comes from Lambda itself)", async () => {
    for (const reserved of LAMBDA_RESERVED_ENV) expect(envKeys).not.toContain(reserved);
    expect(envKeys.filter((k) => k.startsWith("AWS_") || k.startsWith("LAMBDA_"))).toEqual([]);
  });

  it("every variable it sets is one the code reads (catches typos), the planned ones aside", () => {
    const unread = envKeys
      .filter(
        (key) => !RUNTIME_ENV.has(key) && !SECRET_PARAMETERS.has(key) && !(key in PLANNED_ENV),
      )
      .filter((key) => !srcReads(key));
    expect(unread, "set by terraform/api.tf but not read anywhere in src/").toEqual([]);
  });

  it("is a valid AWS-mode configuration for the API, the secrets named as SSM parameters", async () => {
    const env: Record<string, string> = { AWS_REGION: "eu-west-1" };
    for (const [key, value] of Object.entries(await envVars())) {
      const v = typeof value === "string" && value.startsWith("${") ? APPLIED[value] : value;
      expect(typeof v, `${key}: no example value for ${JSON.stringify(value)}`).toBe("string");
      env[key] = v as string;
    }
    const config = readConfig(env);
    expect(config.mode).toBe("aws");
    expect(config.production).toBe(true);
    expect(config.playground).toBe(false);
    expect(config.aws?.clientSecret).toEqual({
      parameter: "/file-portal/prod/cognito-client-secret",
    });
    expect(config.aws?.sessionSecret).toEqual({ parameter: "/file-portal/prod/session-secret" });
    expect(config.corsOrigins).toEqual(["https://abc123.execute-api.eu-west-1.amazonaws.com"]);
  });

  // Settings of code that other issues add (test/terraform/planned.ts): skipped until src/ reads them.
  for (const [key, why] of Object.entries(PLANNED_ENV))
    it.skipIf(!srcReads(key))(`${key} is read by the code (waits for ${why})`, () => {
      expect(envKeys).toContain(key);
      expect(srcReads(key)).toBe(true);
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
  it("is an HTTP API whose CORS (only for origins other than its own) is the app's", async () => {
    const cfg = await terraform();
    const api = resource(cfg, "aws_apigatewayv2_api.http");
    expect(api.protocol_type).toBe("HTTP");
    expect(api.cors_configuration).toBeUndefined();
    const [cors, ...more] = dynamicBlocks(api, "cors_configuration");
    expect(more).toEqual([]);
    expect(cors?.forEach).toBe("${length(local.cross_origins) > 0 ? [local.cross_origins] : []}");
    const c = cors?.content ?? {};
    expect(c.allow_origins).toBe("${cors_configuration.value}");
    expect(stringList(c, "allow_methods").sort()).toEqual(["GET", "OPTIONS", "POST"]);
    expect(stringList(c, "allow_headers").sort()).toEqual([
      "apollo-require-preflight",
      "authorization",
      "content-type",
      "x-request-id",
    ]);
    expect(c.allow_credentials).toBe(false);
    expect(cfg.locals.get("cross_origins")).toBe(
      "${distinct(concat(var.app_url == null ? [] : [var.app_url], var.allowed_origins))}",
    );
  });

  it("the app's origins are the API's own, app_url's and allowed_origins (bucket CORS and CORS_ORIGINS)", async () => {
    const cfg = await terraform();
    expect(cfg.locals.get("api_origin")).toBe("${aws_apigatewayv2_api.http.api_endpoint}");
    expect(cfg.locals.get("app_url")).toBe("${coalesce(var.app_url, local.api_origin)}");
    expect(cfg.locals.get("app_origins")).toBe(
      "${distinct(concat([local.api_origin, local.app_url], var.allowed_origins))}",
    );
    const rule = block(resource(cfg, "aws_s3_bucket_cors_configuration.files"), "cors_rule");
    expect(rule.allowed_origins).toBe("${local.app_origins}");
    expect((await envVars()).CORS_ORIGINS).toBe('${join(",", local.app_origins)}');
    expect(variable(cfg, "allowed_origins").default).toEqual([]);
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

  it("routes the API (POST/GET /graphql, GET /healthz, /readyz) and the web app (GET /, GET /{proxy+}) to it; no $default route", async () => {
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
      "GET /",
      "GET /graphql",
      "GET /healthz",
      "GET /readyz",
      "GET /{proxy+}",
      "POST /graphql",
    ]);
  });

  it("route keys send each request where API Gateway's matching rules put it", async () => {
    // API Gateway picks the most specific route: an exact path beats {proxy+}, and {proxy+}
    // matches one or more segments (never "/"). A request with another method matches nothing.
    const keys = (await terraform()).locals.get("api_routes") as string[];
    const match = (method: string, reqPath: string): string | null => {
      const exact = keys.find((k) => k === `${method} ${reqPath}`);
      if (exact) return exact;
      const greedy = keys.find((k) => k === `${method} /{proxy+}`);
      return greedy && reqPath.length > 1 ? greedy : null;
    };
    expect(match("POST", "/graphql")).toBe("POST /graphql");
    expect(match("GET", "/graphql")).toBe("GET /graphql");
    expect(match("GET", "/readyz")).toBe("GET /readyz");
    expect(match("GET", "/")).toBe("GET /");
    expect(match("GET", "/assets/index-abc123.js")).toBe("GET /{proxy+}");
    expect(match("GET", "/welcome")).toBe("GET /{proxy+}");
    expect(match("POST", "/welcome")).toBeNull();
    expect(match("DELETE", "/graphql")).toBeNull();
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
  it("has every output terraform/README.md and the smoke test rely on, each described", async () => {
    const cfg = await terraform();
    for (const name of [
      "api_url",
      "graphql_url",
      "app_url",
      "user_pool_id",
      "user_pool_client_id",
      "bucket_name",
      "access_log_bucket_name",
      "region",
      "alarm_topic_arn",
      "session_secret_parameter",
      "cognito_client_secret_parameter",
      "ses_identity",
      "ses_dkim_records",
      "api_env",
    ])
      expect(String(output(cfg, name).description ?? "").length, name).toBeGreaterThan(10);
    for (const [name, o] of cfg.outputs) expect(typeof o.description, name).toBe("string");
  });

  it("points at the right resources", async () => {
    const cfg = await terraform();
    expect(output(cfg, "api_url").value).toBe("${local.api_origin}");
    expect(output(cfg, "graphql_url").value).toBe("${local.api_origin}/graphql");
    expect(output(cfg, "app_url").value).toBe("${local.app_url}");
    expect(output(cfg, "user_pool_id").value).toBe("${aws_cognito_user_pool.main.id}");
    expect(output(cfg, "user_pool_client_id").value).toBe("${aws_cognito_user_pool_client.web.id}");
    expect(output(cfg, "bucket_name").value).toBe("${aws_s3_bucket.files.id}");
    expect(output(cfg, "access_log_bucket_name").value).toBe("${aws_s3_bucket.access_logs.id}");
    expect(output(cfg, "region").value).toBe("${var.aws_region}");
    expect(output(cfg, "alarm_topic_arn").value).toBe("${aws_sns_topic.alarms.arn}");
    expect(output(cfg, "api_env").value).toBe("${local.api_env}");
  });

  it("api_env holds exactly the variables `npm start` and create-admin need for AWS mode", async () => {
    const cfg = await terraform();
    const text = String(cfg.locals.get("api_env"));
    const lines = text.trim().split("\n");
    expect(lines.map((l) => l.split("=")[0])).toEqual([
      "AWS_REGION",
      "COGNITO_USER_POOL_ID",
      "COGNITO_CLIENT_ID",
      "COGNITO_CLIENT_SECRET_PARAMETER",
      "SESSION_SECRET_PARAMETER",
      "S3_BUCKET",
      "CORS_ORIGINS",
    ]);
    expect(text).toContain("AWS_REGION=${var.aws_region}\n");
    expect(text).toContain("COGNITO_USER_POOL_ID=${aws_cognito_user_pool.main.id}\n");
    expect(text).toContain("COGNITO_CLIENT_ID=${aws_cognito_user_pool_client.web.id}\n");
    expect(text).toContain(
      "COGNITO_CLIENT_SECRET_PARAMETER=${aws_ssm_parameter.cognito_client_secret.name}\n",
    );
    expect(text).toContain("SESSION_SECRET_PARAMETER=${aws_ssm_parameter.session_secret.name}\n");
    expect(text).toContain("S3_BUCKET=${aws_s3_bucket.files.id}\n");
    expect(text).toContain('CORS_ORIGINS=${join(",", local.app_origins)}\n');
    const unread = lines
      .map((l) => l.split("=")[0] as string)
      .filter((k) => !(k in PLANNED_ENV) && !SECRET_PARAMETERS.has(k) && !srcReads(k));
    expect(unread).toEqual([]);
  });

  it("outputs nothing secret: parameter names, never values", async () => {
    const cfg = await terraform();
    for (const [name, o] of cfg.outputs) {
      expect(o.sensitive, name).toBeUndefined();
      const value = JSON.stringify(o.value);
      expect(value, name).not.toMatch(
        /\.client_secret\b|random_password|value_wo|password|access_key/i,
      );
      expect(value, name).not.toMatch(/aws_ssm_parameter\.[a-z_]+\.(value|insecure_value)/);
    }
    expect(JSON.stringify(cfg.locals.get("api_env"))).not.toMatch(/\.client_secret\b|\.value\b/);
  });
});
