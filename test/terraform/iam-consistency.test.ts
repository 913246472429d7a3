import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  COGNITO_KNOWN_ADMIN_COMMANDS,
  RUNTIME_ACTIONS,
  S3_COMMAND_ACTIONS,
  SES_COMMAND_ACTIONS,
  SSM_COMMAND_ACTIONS,
  actionsFor,
  deployedSourceFiles,
  requiredActions,
  scanProject,
  scanSource,
} from "./aws-operations";
import { PLANNED_ACTIONS } from "./planned";
import { REPO_ROOT, allBlocks, dataSource, stringList, terraform } from "./terraform-config";

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

/** Every action the role policy allows, statements of dynamic blocks (the SES grant) included. */
async function grantedActions(): Promise<string[]> {
  const doc = dataSource(await terraform(), "aws_iam_policy_document.api");
  return allBlocks(doc, "statement")
    .filter((s) => s.effect === undefined || s.effect === "Allow")
    .flatMap((s) => stringList(s, "actions"));
}

/**
 * The planned actions (test/terraform/planned.ts) whose command the deployed code does not send
 * yet, found with the same scanner, synchronously (it decides which tests are skipped).
 */
const notYetSent = (() => {
  const needed = new Set<string>();
  for (const file of deployedSourceFiles(REPO_ROOT)) {
    const { uses } = scanSource(readFileSync(path.join(REPO_ROOT, file), "utf8"), file);
    for (const a of requiredActions(uses).actions.keys()) needed.add(a);
  }
  return new Set(Object.keys(PLANNED_ACTIONS).filter((a) => !needed.has(a)));
})();

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

  it("finds the commands a dynamic import names: `const { XCommand } = await import(…)`", () => {
    const { uses, problems } = scanSource(
      [
        "async function send() {",
        '  const { SSMClient, GetParametersCommand: Get } = await import("@aws-sdk/client-ssm");',
        "  return new SSMClient({}).send(new Get({ Names: [] }));",
        "}",
      ].join("\n"),
      "lazy.ts",
    );
    expect(problems).toEqual([]);
    expect(uses.map((u) => [u.operation, u.module, u.line])).toEqual([
      ["GetParameters", "@aws-sdk/client-ssm", 2],
    ]);
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

  it("maps SSM GetParameters and SES v2 SendEmail, and refuses other SSM/SES commands", () => {
    expect(actionsFor(use("GetParameters", "@aws-sdk/client-ssm"))).toEqual({
      ok: true,
      actions: ["ssm:GetParameters"],
    });
    expect(actionsFor(use("SendEmail", "@aws-sdk/client-sesv2"))).toEqual({
      ok: true,
      actions: ["ses:SendEmail"],
    });
    expect(actionsFor(use("GetParameters"))).toEqual({ ok: true, actions: ["ssm:GetParameters"] });
    for (const r of [
      actionsFor(use("PutParameter", "@aws-sdk/client-ssm")),
      actionsFor(use("SendBulkEmail", "@aws-sdk/client-sesv2")),
      actionsFor(use("SendEmail", "@aws-sdk/client-ses")),
    ])
      expect(r.ok).toBe(false);
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
      "AssociateSoftwareToken",
      "VerifySoftwareToken",
      "SetUserMFAPreference",
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

  it("covers every S3, Cognito, SSM and SES operation the design lists", async () => {
    const designed = [
      ...Object.keys(S3_COMMAND_ACTIONS).map((op) => use(op, "@aws-sdk/client-s3")),
      ...[...COGNITO_KNOWN_ADMIN_COMMANDS].map((op) =>
        use(op, "@aws-sdk/client-cognito-identity-provider"),
      ),
      ...Object.keys(SSM_COMMAND_ACTIONS).map((op) => use(op, "@aws-sdk/client-ssm")),
      ...Object.keys(SES_COMMAND_ACTIONS).map((op) => use(op, "@aws-sdk/client-sesv2")),
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

  it("every action granted to the Lambda role is needed by a command in src/, the planned ones aside", async () => {
    const scan = await scanProject(REPO_ROOT);
    const needed = requiredActions(scan.uses).actions;
    const unused = (await grantedActions())
      .filter((a) => !RUNTIME_ACTIONS.has(a))
      .filter((a) => !needed.has(a) && !notYetSent.has(a))
      .map((a) => `${a}: granted in terraform/iam.tf but no command in src/ needs it`);
    expect(unused).toEqual([]);
  });

  // Grants for commands that other issues add (test/terraform/planned.ts): skipped until src/
  // sends them, then they must be both granted and needed like every other action.
  for (const [action, why] of Object.entries(PLANNED_ACTIONS))
    it.skipIf(notYetSent.has(action))(
      `${action} is needed by a command in src/ (waits for ${why})`,
      async () => {
        const needed = requiredActions((await scanProject(REPO_ROOT)).uses).actions;
        expect(needed.has(action)).toBe(true);
        expect(await grantedActions()).toContain(action);
      },
    );
});
