import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp } from "../helpers/app.js";
import type { GqlResult, TestApp } from "../helpers/app.js";
import { failAwsCalls } from "./support.js";

/** What AWS says when IAM refuses: account id, role, ARNs. None of it may reach a client. */
const awsError = (name: string, status: number, message: string) =>
  Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status, requestId: "8f2a11aa-aws-request-id" },
  });
const S3_DENIED =
  "User: arn:aws:sts::123456789012:assumed-role/portal-api-role/i-0abc123def is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::portal-files-prod";
const COGNITO_DENIED =
  "User: arn:aws:sts::123456789012:assumed-role/portal-api-role/i-0abc123def is not authorized to perform: cognito-idp:AdminGetUser on resource: arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123";
const COGNITO_DOWN =
  "Internal error in cognito-idp.eu-west-1 cell 7 (arn:aws:cognito-idp:eu-west-1:123456789012)";
const LEAKS =
  /arn:aws|123456789012|AccessDenied|NotAuthorized|InternalError|cognito-idp|s3:|portal-api-role|stack/i;

describe("error masking (SDK-level injection of AWS errors): clients see a code and a request id, logs the detail", () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true });
    admin = await t.adminToken();
    await t.http(`{ me { id } }`, {}, admin); // the admin's record is cached from here on
  });
  afterAll(() => t?.stop());

  /** The one error of the response, which must carry exactly a code and a request id. */
  const onlyCodeAndRequestId = (body: GqlResult, code: string) => {
    expect(JSON.stringify(body)).not.toMatch(LEAKS);
    expect(body.errors).toHaveLength(1);
    const e = body.errors![0]!;
    expect(Object.keys(e.extensions ?? {}).sort()).toEqual(["code", "requestId"]);
    expect(e.extensions!.code).toBe(code);
    return String(e.extensions!.requestId);
  };
  const logLine = (requestId: string, text: string) =>
    t.logs.find((l) => l.includes(requestId) && l.includes(text));

  it("S3 AccessDenied in a resolver: INTERNAL_SERVER_ERROR to the client, the AWS message in the log", async () => {
    const fault = failAwsCalls(t.app.clients.s3, (cmd) =>
      cmd === "ListObjectsV2Command" ? awsError("AccessDenied", 403, S3_DENIED) : null,
    );
    try {
      const r = await t.http(`{ files(first: 5) { edges { node { id } } } }`, {}, admin);
      expect(r.status).toBe(200);
      expect(r.body.errors![0]!.message).toBe("Internal server error");
      const requestId = onlyCodeAndRequestId(r.body, "INTERNAL_SERVER_ERROR");
      expect(r.headers.get("x-request-id")).toBe(requestId);
      expect(logLine(requestId, S3_DENIED)).toBeDefined();
    } finally {
      fault.stop();
    }
  });

  it("Cognito NotAuthorized while resolving a token: 500 INTERNAL_SERVER_ERROR, the AWS message in the log", async () => {
    // A customer whose token this app has never resolved, so its first use calls AdminGetUser.
    const c = await t.exec<{ createCustomer: { temporaryPassword: string } }>(
      `mutation { createCustomer(input: { id: "masked-co", name: "Masked", email: "masked@example.test" }) { temporaryPassword } }`,
      {},
      admin,
    );
    const token = await t.signIn(
      "masked@example.test",
      c.data!.createCustomer.temporaryPassword,
      "Masked-password-123!",
    );
    const fault = failAwsCalls(t.app.clients.cognito, (cmd) =>
      cmd === "AdminGetUserCommand"
        ? awsError("NotAuthorizedException", 400, COGNITO_DENIED)
        : null,
    );
    try {
      const r = await t.http(`{ me { id } }`, {}, token);
      expect(r.status).toBe(500);
      expect(r.body.errors![0]!.message).toBe("Internal server error");
      const requestId = onlyCodeAndRequestId(r.body, "INTERNAL_SERVER_ERROR");
      expect(logLine(requestId, COGNITO_DENIED)).toBeDefined();
    } finally {
      fault.stop();
    }
    expect((await t.http(`{ me { id } }`, {}, token)).status).toBe(200);
  });

  it("Cognito 5xx in a resolver: SERVICE_UNAVAILABLE with the generic message; the log has the AWS message", async () => {
    const fault = failAwsCalls(t.app.clients.cognito, (cmd) =>
      cmd === "ListUsersInGroupCommand"
        ? awsError("InternalErrorException", 500, COGNITO_DOWN)
        : null,
    );
    try {
      const r = await t.http(`{ customers(first: 5) { edges { node { id } } } }`, {}, admin);
      const requestId = onlyCodeAndRequestId(r.body, "SERVICE_UNAVAILABLE");
      expect(r.body.errors![0]!.message).toMatch(/unavailable/i);
      expect(logLine(requestId, COGNITO_DOWN)).toBeDefined();
    } finally {
      fault.stop();
    }
  });
});
