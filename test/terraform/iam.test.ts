import { describe, expect, it } from "vitest";
import {
  allBlocks,
  blocks,
  dataSource,
  dynamicBlocks,
  resource,
  resourcesOfType,
  stringList,
  terraform,
} from "./terraform-config";
import type { HclObject } from "./terraform-config";

const BUCKET_ARN = "${aws_s3_bucket.files.arn}";
const OBJECT_RESOURCES = [`${BUCKET_ARN}/customers/*`, `${BUCKET_ARN}/general/*`];
const POOL_ARN = "${aws_cognito_user_pool.main.arn}";
const LOG_STREAMS = "${aws_cloudwatch_log_group.lambda.arn}:log-stream:*";
const SECRET_PARAMETERS = [
  "${aws_ssm_parameter.session_secret.arn}",
  "${aws_ssm_parameter.cognito_client_secret.arn}",
];
/** Where the server access logs go (the only writer is S3's logging service). */
const ACCESS_LOG_OBJECTS = "${aws_s3_bucket.access_logs.arn}/${local.access_log_prefix}*";
/** X-Ray has no resource-level permissions for the actions active tracing needs. */
const XRAY_ACTIONS = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"];

/** The IAM actions the design says the API needs, and nothing else. */
const EXPECTED_ACTIONS = [
  "s3:PutObject",
  "s3:GetObject",
  "s3:DeleteObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
  "s3:ListBucket",
  "cognito-idp:AdminCreateUser",
  "cognito-idp:AdminGetUser",
  "cognito-idp:AdminUpdateUserAttributes",
  "cognito-idp:AdminDisableUser",
  "cognito-idp:AdminEnableUser",
  "cognito-idp:AdminSetUserPassword",
  "cognito-idp:AdminDeleteUser",
  "cognito-idp:AdminAddUserToGroup",
  "cognito-idp:AdminUserGlobalSignOut",
  "cognito-idp:ListUsers",
  "cognito-idp:ListUsersInGroup",
  "cognito-idp:DescribeUserPool",
  "ssm:GetParameters",
  "ses:SendEmail",
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  ...XRAY_ACTIONS,
];

const isAllow = (s: HclObject) => s.effect === undefined || s.effect === "Allow";

/** Every statement of the role policy, those of dynamic blocks included. */
async function lambdaStatements(): Promise<HclObject[]> {
  return allBlocks(dataSource(await terraform(), "aws_iam_policy_document.api"), "statement");
}

describe("Lambda execution role", () => {
  it("can be assumed by the Lambda service only", async () => {
    const cfg = await terraform();
    const role = resource(cfg, "aws_iam_role.api");
    expect(role.assume_role_policy).toBe("${data.aws_iam_policy_document.lambda_assume_role.json}");
    const statements = blocks(
      dataSource(cfg, "aws_iam_policy_document.lambda_assume_role"),
      "statement",
    );
    expect(statements).toHaveLength(1);
    const s = statements[0] ?? {};
    expect(isAllow(s)).toBe(true);
    expect(stringList(s, "actions")).toEqual(["sts:AssumeRole"]);
    expect(blocks(s, "principals")).toEqual([
      { type: "Service", identifiers: ["lambda.amazonaws.com"] },
    ]);
  });

  it("has exactly one inline policy (the api document) and no managed policies", async () => {
    const cfg = await terraform();
    const inline = resourcesOfType(cfg, "aws_iam_role_policy");
    expect(inline.map(([a]) => a)).toEqual(["aws_iam_role_policy.api"]);
    const p = resource(cfg, "aws_iam_role_policy.api");
    expect(p.role).toBe("${aws_iam_role.api.id}");
    expect(p.policy).toBe("${data.aws_iam_policy_document.api.json}");
    expect(resourcesOfType(cfg, "aws_iam_role_policy_attachment")).toEqual([]);
    expect(resourcesOfType(cfg, "aws_iam_role_policy_attachments_exclusive")).toEqual([]);
    expect(resourcesOfType(cfg, "aws_iam_policy")).toEqual([]);
    expect(resource(cfg, "aws_iam_role.api").managed_policy_arns).toBeUndefined();
    expect(resource(cfg, "aws_lambda_function.api").role).toBe("${aws_iam_role.api.arn}");
  });

  it("grants exactly the actions the design lists", async () => {
    const granted = (await lambdaStatements())
      .filter(isAllow)
      .flatMap((s) => stringList(s, "actions"));
    expect(granted.length).toBe(new Set(granted).size);
    expect([...granted].sort()).toEqual([...EXPECTED_ACTIONS].sort());
  });

  it("grants object actions only on customers/* and general/*", async () => {
    const statements = (await lambdaStatements()).filter(isAllow);
    const objectStatements = statements.filter((s) =>
      stringList(s, "actions").some((a) => a.startsWith("s3:") && a !== "s3:ListBucket"),
    );
    expect(objectStatements).toHaveLength(1);
    const s = objectStatements[0] ?? {};
    expect(
      stringList(s, "actions").every((a) => a.startsWith("s3:") && a !== "s3:ListBucket"),
    ).toBe(true);
    const resources = stringList(s, "resources");
    expect([...resources].sort()).toEqual([...OBJECT_RESOURCES].sort());
    for (const r of resources)
      expect(r.endsWith("/customers/*") || r.endsWith("/general/*")).toBe(true);
    expect(blocks(s, "condition")).toEqual([]);
  });

  it("grants s3:ListBucket on the bucket only for the customers/ and general/ prefixes", async () => {
    const list = (await lambdaStatements())
      .filter(isAllow)
      .filter((s) => stringList(s, "actions").includes("s3:ListBucket"));
    expect(list).toHaveLength(1);
    const s = list[0] ?? {};
    expect(stringList(s, "actions")).toEqual(["s3:ListBucket"]);
    expect(stringList(s, "resources")).toEqual([BUCKET_ARN]);
    expect(blocks(s, "condition")).toEqual([
      { test: "StringLike", variable: "s3:prefix", values: ["customers/*", "general/*"] },
    ]);
  });

  it("grants Cognito actions on this user pool's ARN only", async () => {
    const cognito = (await lambdaStatements())
      .filter(isAllow)
      .filter((s) => stringList(s, "actions").some((a) => a.startsWith("cognito-idp:")));
    expect(cognito).toHaveLength(1);
    const s = cognito[0] ?? {};
    expect(stringList(s, "actions").every((a) => a.startsWith("cognito-idp:"))).toBe(true);
    expect(stringList(s, "resources")).toEqual([POOL_ARN]);
  });

  it("reads exactly the two secret parameters, with ssm:GetParameters only", async () => {
    const ssm = (await lambdaStatements())
      .filter(isAllow)
      .filter((s) => stringList(s, "actions").some((a) => a.startsWith("ssm:")));
    expect(ssm).toHaveLength(1);
    const s = ssm[0] ?? {};
    expect(stringList(s, "actions")).toEqual(["ssm:GetParameters"]);
    expect([...stringList(s, "resources")].sort()).toEqual([...SECRET_PARAMETERS].sort());
    // No kms:Decrypt: the parameters use the AWS managed key, usable through SSM by whoever may read them.
    expect(
      (await lambdaStatements())
        .flatMap((x) => stringList(x, "actions"))
        .some((a) => a.startsWith("kms:")),
    ).toBe(false);
  });

  it("sends email only from the SES sender identity, and only when there is one", async () => {
    const doc = dataSource(await terraform(), "aws_iam_policy_document.api");
    expect(
      blocks(doc, "statement").some((s) => stringList(s, "actions").includes("ses:SendEmail")),
    ).toBe(false);
    const dynamic = dynamicBlocks(doc, "statement");
    expect(dynamic).toHaveLength(1);
    expect(dynamic[0]?.forEach).toBe("${aws_sesv2_email_identity.sender}");
    expect(dynamic[0]?.content).toEqual({
      sid: "SendEmail",
      effect: "Allow",
      actions: ["ses:SendEmail"],
      resources: ["${statement.value.arn}"],
    });
    const identity = resource(await terraform(), "aws_sesv2_email_identity.sender");
    expect(identity.count).toBe("${local.mail_enabled ? 1 : 0}");
  });

  it("sends trace segments for active tracing (X-Ray's two write actions, on * as X-Ray requires)", async () => {
    const xray = (await lambdaStatements())
      .filter(isAllow)
      .filter((s) => stringList(s, "actions").some((a) => a.startsWith("xray:")));
    expect(xray).toHaveLength(1);
    expect([...stringList(xray[0] ?? {}, "actions")].sort()).toEqual(XRAY_ACTIONS);
    expect(stringList(xray[0] ?? {}, "resources")).toEqual(["*"]);
  });

  it("writes only to its own log group's streams (no logs:CreateLogGroup)", async () => {
    const logs = (await lambdaStatements())
      .filter(isAllow)
      .filter((s) => stringList(s, "actions").some((a) => a.startsWith("logs:")));
    expect(logs).toHaveLength(1);
    const s = logs[0] ?? {};
    expect(stringList(s, "actions").sort()).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
    expect(stringList(s, "resources")).toEqual([LOG_STREAMS]);
  });

  it("uses no Deny, NotAction or NotResource tricks in the role policy", async () => {
    for (const s of await lambdaStatements()) {
      expect(isAllow(s)).toBe(true);
      expect(s.not_actions).toBeUndefined();
      expect(s.not_resources).toBeUndefined();
      expect(s.principals).toBeUndefined();
    }
  });
});

describe("every IAM policy document", () => {
  it("writes policies as aws_iam_policy_document data sources, not inline JSON", async () => {
    const cfg = await terraform();
    for (const [address, r] of cfg.resources)
      for (const key of ["policy", "assume_role_policy"])
        if (r[key] !== undefined)
          expect(String(r[key]), `${address}.${key}`).toMatch(
            /^\$\{data\.aws_iam_policy_document\.[a-z_]+\.json\}$/,
          );
  });

  it("never allows a wildcard action (*, s3:*, cognito-idp:*, or any service:*)", async () => {
    const cfg = await terraform();
    for (const [address, doc] of cfg.data) {
      if (!address.startsWith("aws_iam_policy_document.")) continue;
      for (const s of allBlocks(doc, "statement").filter(isAllow)) {
        const actions = stringList(s, "actions");
        expect(actions.length, address).toBeGreaterThan(0);
        for (const a of actions) {
          expect(a, address).not.toContain("*");
          expect(a, address).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
        }
      }
    }
  });

  it("allows no wildcard resource except the key prefixes, log streams, access-log objects and X-Ray", async () => {
    const cfg = await terraform();
    const allowedWildcards = new Set([...OBJECT_RESOURCES, LOG_STREAMS, ACCESS_LOG_OBJECTS]);
    for (const [address, doc] of cfg.data) {
      if (!address.startsWith("aws_iam_policy_document.")) continue;
      for (const s of allBlocks(doc, "statement").filter(isAllow)) {
        if (s.resources === undefined) continue; // trust policies name no resources
        for (const r of stringList(s, "resources")) {
          if (r === "*") {
            // Only X-Ray's write actions, which have no resource-level permissions.
            expect([...stringList(s, "actions")].sort(), `${address}: * resource`).toEqual(
              XRAY_ACTIONS,
            );
            continue;
          }
          if (r.includes("*")) expect(allowedWildcards.has(r), `${address}: ${r}`).toBe(true);
        }
      }
    }
  });
});
