import { describe, expect, it } from "vitest";
import {
  blocks,
  dataSource,
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
  "logs:CreateLogStream",
  "logs:PutLogEvents",
];

const isAllow = (s: HclObject) => s.effect === undefined || s.effect === "Allow";

async function lambdaStatements(): Promise<HclObject[]> {
  return blocks(dataSource(await terraform(), "aws_iam_policy_document.api"), "statement");
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
      for (const s of blocks(doc, "statement").filter(isAllow)) {
        const actions = stringList(s, "actions");
        expect(actions.length, address).toBeGreaterThan(0);
        for (const a of actions) {
          expect(a, address).not.toContain("*");
          expect(a, address).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
        }
      }
    }
  });

  it("allows no wildcard resource except the key prefixes and the function's log streams", async () => {
    const cfg = await terraform();
    const allowedWildcards = new Set([...OBJECT_RESOURCES, LOG_STREAMS]);
    for (const [address, doc] of cfg.data) {
      if (!address.startsWith("aws_iam_policy_document.")) continue;
      for (const s of blocks(doc, "statement").filter(isAllow)) {
        if (s.resources === undefined) continue; // trust policies name no resources
        for (const r of stringList(s, "resources")) {
          expect(r, address).not.toBe("*");
          if (r.includes("*")) expect(allowedWildcards.has(r), `${address}: ${r}`).toBe(true);
        }
      }
    }
  });
});
