import { describe, expect, it } from "vitest";
import {
  COGNITO_KNOWN_ADMIN_COMMANDS,
  RUNTIME_ACTIONS,
  S3_COMMAND_ACTIONS,
  actionsFor,
  deployedSourceFiles,
  requiredActions,
  scanProject,
  scanSource,
} from "./aws-operations";
import { REPO_ROOT, blocks, dataSource, stringList, terraform } from "./terraform-config";

/**
 * The AWS operations the code can send map to exactly the IAM actions granted to the Lambda
 * role: nothing the code needs is missing (it would fail in production with AccessDenied),
 * and nothing granted is unused (least privilege). See aws-operations.ts for how the code is
 * scanned and what is left out.
 */

const FIXTURE = `
import { S3Client, PutObjectCommand, HeadObjectCommand as Head } from "@aws-sdk/client-s3";
import type { GetObjectCommandOutput } from "@aws-sdk/client-s3";
import * as idp from "@aws-sdk/client-cognito-identity-provider";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { AdminGetUserCommand } from "./wrappers.js";

// new DeleteObjectCommand({}) in a comment does not count
const text = "new ListPartsCommand({}) in a string does not count";

export async function f(s3: S3Client, out: GetObjectCommandOutput) {
  await getSignedUrl(s3, new PutObjectCommand({ Bucket: "b", Key: "k" }));
  await s3.send(new Head({ Bucket: "b", Key: "k" }));
  await client.send(new idp.AdminDisableUserCommand({}));
  await client.send(new AdminGetUserCommand({}));
  return [text, out];
}
`;

async function grantedActions(): Promise<string[]> {
  const doc = dataSource(await terraform(), "aws_iam_policy_document.api");
  return blocks(doc, "statement")
    .filter((s) => s.effect === undefined || s.effect === "Allow")
    .flatMap((s) => stringList(s, "actions"));
}

describe("the scanner (on a fixture, so it cannot silently find nothing)", () => {
  it("finds commands: imported, aliased, namespaced, presigned, and from wrappers", () => {
    const { uses, problems } = scanSource(FIXTURE, "fixture.ts");
    expect(problems).toEqual([]);
    expect(uses.map((u) => [u.operation, u.module ?? null]).sort()).toEqual(
      [
        ["AdminDisableUser", "@aws-sdk/client-cognito-identity-provider"],
        ["AdminGetUser", null],
        ["HeadObject", "@aws-sdk/client-s3"],
        ["PutObject", "@aws-sdk/client-s3"],
      ].sort(),
    );
    expect(uses.find((u) => u.operation === "AdminDisableUser")?.line).toBe(14);
  });

  it("ignores comments, strings and type-only imports", () => {
    const ops = scanSource(FIXTURE, "fixture.ts").uses.map((u) => u.operation);
    expect(ops).not.toContain("DeleteObject");
    expect(ops).not.toContain("ListParts");
    expect(ops).not.toContain("GetObject");
  });

  it("reports what it cannot see through: aggregated clients, lib-storage, dynamic imports", () => {
    const { problems } = scanSource(
      [
        'import { S3 } from "@aws-sdk/client-s3";',
        'import { Upload } from "@aws-sdk/lib-storage";',
        'const m = await import("@aws-sdk/client-cognito-identity-provider");',
      ].join("\n"),
      "bad.ts",
    );
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^bad\.ts:1: .*aggregated client S3/);
    expect(problems[1]).toMatch(/^bad\.ts:2: .*lib-storage/);
    expect(problems[2]).toMatch(/^bad\.ts:3: dynamic import/);
  });

  it("scans the real src/ tree (deployed files only)", () => {
    const files = deployedSourceFiles(REPO_ROOT);
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((f) => f.startsWith("src/") && f.endsWith(".ts"))).toBe(true);
    expect(files.some((f) => /^src\/(local|cli)\//.test(f) || f.endsWith(".test.ts"))).toBe(false);
  });
});

describe("the command -> IAM action mapping", () => {
  const use = (operation: string, module?: string) => ({
    operation,
    ...(module ? { module } : {}),
    file: "x.ts",
    line: 1,
  });

  it("maps the S3 commands the design names", () => {
    expect(actionsFor(use("HeadObject", "@aws-sdk/client-s3"))).toEqual({
      ok: true,
      actions: ["s3:GetObject"],
    });
    expect(actionsFor(use("ListObjectsV2"))).toEqual({ ok: true, actions: ["s3:ListBucket"] });
    expect(actionsFor(use("UploadPart"))).toEqual({ ok: true, actions: ["s3:PutObject"] });
    expect(actionsFor(use("ListParts"))).toEqual({
      ok: true,
      actions: ["s3:ListMultipartUploadParts"],
    });
  });

  it("maps Cognito X to cognito-idp:X, and public calls to nothing", () => {
    expect(
      actionsFor(use("AdminResetUserPassword", "@aws-sdk/client-cognito-identity-provider")),
    ).toEqual({ ok: true, actions: ["cognito-idp:AdminResetUserPassword"] });
    for (const op of [
      "InitiateAuth",
      "RespondToAuthChallenge",
      "RevokeToken",
      "GetUser",
      "ChangePassword",
    ])
      expect(actionsFor(use(op, "@aws-sdk/client-cognito-identity-provider"))).toEqual({
        ok: true,
        actions: [],
      });
  });

  it("fails on an unknown command, telling what to do", () => {
    for (const r of [
      actionsFor(use("CopyObject", "@aws-sdk/client-s3")),
      actionsFor(use("GetCallerIdentity", "@aws-sdk/client-sts")),
      actionsFor(use("FrobnicateWidget")),
    ]) {
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.problem).toContain("terraform/iam.tf");
        expect(r.problem).toContain("test/terraform/aws-operations.ts");
      }
    }
  });

  it("covers every S3 and Cognito operation the design lists", async () => {
    const designed = [
      ...Object.keys(S3_COMMAND_ACTIONS).map((op) => use(op, "@aws-sdk/client-s3")),
      ...[...COGNITO_KNOWN_ADMIN_COMMANDS].map((op) =>
        use(op, "@aws-sdk/client-cognito-identity-provider"),
      ),
    ];
    const { actions, problems } = requiredActions(designed);
    expect(problems).toEqual([]);
    // The design's full set of operations needs exactly what terraform grants (logs aside).
    const granted = await grantedActions();
    expect([...actions.keys()].sort()).toEqual(
      granted.filter((a) => !RUNTIME_ACTIONS.has(a)).sort(),
    );
  });
});

describe("IAM consistency: the code in src/ vs the Lambda role", () => {
  it("every AWS command in src/ is known and every action it needs is granted", async () => {
    const scan = await scanProject(REPO_ROOT);
    const required = requiredActions(scan.uses);
    expect([...scan.problems, ...required.problems]).toEqual([]);
    const granted = new Set(await grantedActions());
    const missing = [...required.actions]
      .filter(([action]) => !granted.has(action))
      .map(
        ([action, uses]) =>
          `${action} (needed by ${uses.map((u) => `${u.operation}Command at ${u.file}:${u.line}`).join(", ")}): grant it in terraform/iam.tf`,
      );
    expect(missing).toEqual([]);
  });

  it("every action granted to the Lambda role is needed by a command in src/", async () => {
    const scan = await scanProject(REPO_ROOT);
    const needed = requiredActions(scan.uses).actions;
    const unused = (await grantedActions())
      .filter((a) => !RUNTIME_ACTIONS.has(a))
      .filter((a) => !needed.has(a))
      .map((a) => `${a}: granted in terraform/iam.tf but no command in src/ needs it`);
    expect(unused).toEqual([]);
  });
});
