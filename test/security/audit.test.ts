import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, startTestApp } from "../helpers/app.js";
import type { GqlResult, TestApp } from "../helpers/app.js";

/**
 * Every admin action (and every upload) writes exactly one audit line, whoever calls it and
 * however it ends: "ok" when done, the error code when refused, by the permission layer (a
 * customer calling an admin mutation) or by the service.
 */

interface AuditLine {
  msg: string;
  audit?: boolean;
  action?: string;
  actor?: string;
  requestId?: string;
  target?: string;
  outcome?: string;
}

const CREATE = `mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } temporaryPassword } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { id } }`;
const RESET = `mutation($id: ID!) { resetCustomerPassword(id: $id) { temporaryPassword } }`;
const INVITE = `mutation($id: ID!) { sendInvitation(customerId: $id) { customerId } }`;
const DELETE_CUSTOMER = `mutation($id: ID!) { deleteCustomer(id: $id) }`;
const REQUEST_UPLOAD = `mutation($input: RequestUploadInput!) {
  requestUpload(input: $input) { fileId url headers { name value } } }`;
const DELETE_FILE = `mutation($id: ID!) { deleteFile(id: $id) }`;
const START = `mutation($input: RequestUploadInput!) {
  startMultipartUpload(input: $input) { fileId uploadId partCount } }`;
const SIGN = `mutation($f: ID!, $u: String!) {
  signUploadParts(fileId: $f, uploadId: $u, partNumbers: [1]) { url headers { name value } } }`;
const COMPLETE = `mutation($f: ID!, $u: String!, $p: [CompletedPartInput!]!) {
  completeMultipartUpload(fileId: $f, uploadId: $u, parts: $p) { id } }`;
const ABORT = `mutation($f: ID!, $u: String!) { abortMultipartUpload(fileId: $f, uploadId: $u) }`;

interface Ticket {
  fileId: string;
  url: string;
  headers: { name: string; value: string }[];
}
interface Started {
  fileId: string;
  uploadId: string;
}

describe("audit: one line per admin action, refusals included", () => {
  let t: TestApp;
  let admin: string;
  let customer: string;
  const customerId = "audit-carol";
  /** Another customer's folder: where the admin's uploads go, out of the customer's reach. */
  const otherId = "audit-dave";
  /** Tokens and passwords seen: none may reach any log line. */
  const secrets: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true });
    admin = await t.adminToken();
    customer = await t.createCustomer(customerId);
    secrets.push(admin, customer, t.stack.admin.password);
    await newCustomer(otherId);
  });
  afterAll(() => t?.stop());

  function data<T>(r: GqlResult<T>): T {
    if (!r.data || r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  }

  /** Runs one call; returns its result and the audit lines it wrote. */
  async function run<T>(
    query: string,
    variables: Record<string, unknown>,
    token: string,
  ): Promise<{ result: GqlResult<T>; lines: AuditLine[] }> {
    const from = t.logs.length;
    const result = await t.exec<T>(query, variables, token);
    const lines = t.logs
      .slice(from)
      .map((l) => JSON.parse(l) as AuditLine)
      .filter((l) => l.msg === "audit");
    return { result, lines };
  }

  function expectOneLine(lines: AuditLine[], action: string, actor: string, outcome: string) {
    expect(lines, JSON.stringify(lines)).toHaveLength(1);
    expect(lines[0]).toMatchObject({ audit: true, action, actor, outcome });
    expect(lines[0]?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof lines[0]?.target).toBe("string");
  }

  async function newCustomer(id: string): Promise<string> {
    const created = data(
      await t.exec<{ createCustomer: { temporaryPassword: string } }>(
        CREATE,
        { input: { email: `${id}@example.test`, name: id, id } },
        admin,
      ),
    );
    secrets.push(created.createCustomer.temporaryPassword);
    return id;
  }

  const uploadAsAdmin = () =>
    t.upload(admin, { filename: "a.txt", contentType: "text/plain", customerId: otherId }, "hello");

  async function startAsAdmin(): Promise<Started> {
    return data(
      await t.exec<{ startMultipartUpload: Started }>(
        START,
        {
          input: {
            filename: "big.bin",
            contentType: "application/octet-stream",
            size: 5,
            customerId: otherId,
          },
        },
        admin,
      ),
    ).startMultipartUpload;
  }

  /** Each admin mutation: a call an admin makes, and the same call from the customer. */
  const cases: {
    action: string;
    /** How the admin's call ends, when the local stand-ins cannot carry it out. */
    adminOutcome?: string;
    call: () => Promise<{ query: string; variables: Record<string, unknown> }>;
  }[] = [
    {
      action: "createCustomer",
      call: async () => ({
        query: CREATE,
        variables: {
          input: { email: `audit-new-${Date.now()}@example.test`, name: "New" },
        },
      }),
    },
    {
      action: "updateCustomer",
      call: async () => ({
        query: UPDATE,
        variables: { id: customerId, input: { name: "Carol" } },
      }),
    },
    {
      action: "resetCustomerPassword",
      call: async () => ({
        query: RESET,
        variables: { id: await newCustomer(`audit-r-${Date.now()}`) },
      }),
    },
    {
      action: "sendInvitation",
      call: async () => ({
        query: INVITE,
        variables: { id: await newCustomer(`audit-i-${Date.now()}`) },
      }),
    },
    {
      action: "deleteCustomer",
      call: async () => ({
        query: DELETE_CUSTOMER,
        variables: { id: await newCustomer(`audit-d-${Date.now()}`) },
      }),
    },
    {
      action: "deleteFile",
      call: async () => ({ query: DELETE_FILE, variables: { id: await uploadAsAdmin() } }),
    },
    {
      action: "requestUpload",
      call: async () => ({
        query: REQUEST_UPLOAD,
        variables: {
          input: { filename: "b.txt", contentType: "text/plain", size: 5, scope: "GENERAL" },
        },
      }),
    },
    {
      action: "startMultipartUpload",
      call: async () => ({
        query: START,
        variables: {
          input: {
            filename: "c.bin",
            contentType: "application/octet-stream",
            size: 5,
            scope: "GENERAL",
          },
        },
      }),
    },
    {
      action: "abortMultipartUpload",
      // s3rver answers AbortMultipartUpload 405 (not implemented): the admin's call fails there,
      // and its one line says so. test/unit/multipart-s3-mock.test.ts covers a successful abort.
      adminOutcome: "INTERNAL_SERVER_ERROR",
      call: async () => {
        const up = await startAsAdmin();
        return { query: ABORT, variables: { f: up.fileId, u: up.uploadId } };
      },
    },
    {
      action: "completeMultipartUpload",
      call: async () => {
        const up = await startAsAdmin();
        const [part] = data(
          await t.exec<{ signUploadParts: { url: string; headers: Ticket["headers"] }[] }>(
            SIGN,
            { f: up.fileId, u: up.uploadId },
            admin,
          ),
        ).signUploadParts;
        const put = await fetch(part!.url, {
          method: "PUT",
          headers: Object.fromEntries(part!.headers.map((h) => [h.name, h.value])),
          body: "hello",
        });
        expect(put.status).toBe(200);
        const etag = put.headers.get("etag") ?? "";
        return {
          query: COMPLETE,
          variables: { f: up.fileId, u: up.uploadId, p: [{ partNumber: 1, etag }] },
        };
      },
    },
  ];

  for (const { action, adminOutcome, call } of cases) {
    it(`${action}: one line when a customer is refused, one when the admin succeeds`, async () => {
      const { query, variables } = await call();
      // The customer's call first: a refusal must change nothing the admin's call relies on.
      const refused = await run(query, variables, customer);
      expect(codes(refused.result), action).toEqual(["FORBIDDEN"]);
      expectOneLine(refused.lines, action, `customer:${customerId}`, "FORBIDDEN");

      const done = await run<Record<string, unknown>>(query, variables, admin);
      expect(codes(done.result), action).toEqual(adminOutcome ? [adminOutcome] : []);
      expectOneLine(done.lines, action, `admin:${t.stack.admin.username}`, adminOutcome ?? "ok");
      const payload = done.result.data?.[action] as { temporaryPassword?: string } | undefined;
      if (payload?.temporaryPassword) secrets.push(payload.temporaryPassword);
    });
  }

  it("a refusal by the service is one line with its code (NOT_FOUND)", async () => {
    const { result, lines } = await run(DELETE_CUSTOMER, { id: "no-such-customer" }, admin);
    expect(codes(result)).toEqual(["NOT_FOUND"]);
    expectOneLine(lines, "deleteCustomer", `admin:${t.stack.admin.username}`, "NOT_FOUND");
  });

  it("no log line holds a token or a password", () => {
    expect(secrets.length).toBeGreaterThan(5);
    const all = t.logs.join("\n");
    for (const secret of secrets) expect(all).not.toContain(secret);
  });
});
