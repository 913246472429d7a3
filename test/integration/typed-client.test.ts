import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CompleteNewPasswordDocument,
  CreateCustomerDocument,
  CustomerDocument,
  CustomerFilesDocument,
  CustomersDocument,
  DeleteFileDocument,
  FileAdminDetailsDocument,
  FileDocument,
  FilesDocument,
  MeDocument,
  RefreshTokensDocument,
  RequestUploadDocument,
  ResetCustomerPasswordDocument,
  SignInDocument,
  UpdateCustomerDocument,
} from "../../src/client/index.js";
import type { FileFieldsFragment, UploadTicketFieldsFragment } from "../../src/client/index.js";
import { codes, startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";

const PASSWORD = "Str0ng!Passw0rd";
const EMAIL = "typed-co@example.test";

/**
 * Every operation of src/client/operations, through the generated typed documents, against the local
 * stack: what a React app built on customer-file-portal/client sends. Results are typed by the
 * documents, so a schema change that breaks a client breaks this file's typecheck too.
 */
describe("typed client documents against the local stack", () => {
  let t: TestApp;
  let admin: string;
  let customer: string;
  let uploaded: FileFieldsFragment;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.stop());

  it("SignIn → AuthTokens for the admin; Me reads the admin without a customer profile", async () => {
    const r = await t.exec(SignInDocument, {
      email: t.stack.admin.email,
      password: t.stack.admin.password,
    });
    expect(r.errors).toBeUndefined();
    const result = r.data!.signIn;
    if (result.__typename !== "AuthTokens") throw new Error(`unexpected ${result.__typename}`);
    expect(result.expiresIn).toBeGreaterThan(0);
    admin = result.accessToken;

    const me = await t.exec(MeDocument, undefined, admin);
    expect(me.errors).toBeUndefined();
    expect(me.data!.me).toMatchObject({
      email: t.stack.admin.email,
      role: "ADMIN",
      customer: null,
    });
  });

  it("CreateCustomer, then SignIn → NewPasswordRequired → CompleteNewPassword → RefreshTokens", async () => {
    const created = await t.exec(
      CreateCustomerDocument,
      { input: { id: "typed-co", email: EMAIL, name: "Typed Co" } },
      admin,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createCustomer.customer).toMatchObject({
      id: "typed-co",
      email: EMAIL,
      name: "Typed Co",
      status: "INVITED",
    });

    const first = await t.exec(SignInDocument, {
      email: EMAIL,
      password: created.data!.createCustomer.temporaryPassword,
    });
    const challenge = first.data!.signIn;
    if (challenge.__typename !== "NewPasswordRequired") throw new Error("expected a challenge");

    const completed = await t.exec(CompleteNewPasswordDocument, {
      email: EMAIL,
      session: challenge.session,
      newPassword: PASSWORD,
    });
    expect(completed.errors).toBeUndefined();
    customer = completed.data!.completeNewPassword.accessToken;

    // A refresh token from a password sign-in (the local Cognito cannot refresh the one that
    // completing the challenge returns).
    const again = await t.exec(SignInDocument, { email: EMAIL, password: PASSWORD });
    const tokens = again.data!.signIn;
    if (tokens.__typename !== "AuthTokens" || !tokens.refreshToken) throw new Error("no tokens");
    const refreshed = await t.exec(RefreshTokensDocument, { refreshToken: tokens.refreshToken });
    expect(refreshed.errors).toBeUndefined();
    expect(refreshed.data!.refreshTokens.accessToken.split(".")).toHaveLength(3);
  });

  it("Me, Customer for the customer themself; Customers, UpdateCustomer for the admin", async () => {
    const me = await t.exec(MeDocument, undefined, customer);
    expect(me.data!.me).toMatchObject({
      email: EMAIL,
      role: "CUSTOMER",
      customer: { id: "typed-co", status: "ACTIVE" },
    });
    const self = await t.exec(CustomerDocument, { id: "typed-co" }, customer);
    expect(self.data!.customer?.name).toBe("Typed Co");

    const list = await t.exec(CustomersDocument, { first: 10 }, admin);
    expect(list.errors).toBeUndefined();
    expect(list.data!.customers.edges.map((e) => e.node.id)).toContain("typed-co");
    expect(typeof list.data!.customers.pageInfo.hasNextPage).toBe("boolean");

    const updated = await t.exec(
      UpdateCustomerDocument,
      { id: "typed-co", input: { name: "Typed Company" } },
      admin,
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateCustomer.name).toBe("Typed Company");

    const denied = await t.exec(CustomersDocument, {}, customer);
    expect(codes(denied)).toEqual(["FORBIDDEN"]);
  });

  it("RequestUpload → PUT to S3 → Files, File, CustomerFiles, FileAdminDetails → DeleteFile", async () => {
    const body = Buffer.from("typed upload\n");
    const ticket = await t.exec(
      RequestUploadDocument,
      { input: { filename: "typed.txt", contentType: "text/plain", size: body.length } },
      customer,
    );
    expect(ticket.errors).toBeUndefined();
    const { url, method, headers, fileId }: UploadTicketFieldsFragment = ticket.data!.requestUpload;
    const put = await fetch(url, {
      method,
      headers: Object.fromEntries(headers.map((h) => [h.name, h.value])),
      body,
    });
    expect(put.status).toBe(200);

    const files = await t.exec(FilesDocument, { scope: "CUSTOMER" }, customer);
    expect(files.errors).toBeUndefined();
    uploaded = files.data!.files.edges[0]!.node;
    expect(uploaded).toMatchObject({
      id: fileId,
      name: "typed.txt",
      scope: "CUSTOMER",
      customerId: "typed-co",
      size: body.length,
    });
    expect(Number.isNaN(Date.parse(uploaded.lastModified))).toBe(false);
    expect(await (await fetch(uploaded.downloadUrl)).text()).toBe("typed upload\n");

    const one = await t.exec(FileDocument, { id: fileId }, customer);
    expect(one.data!.file).toMatchObject({ id: fileId, contentType: "text/plain" });

    const folder = await t.exec(CustomerFilesDocument, { id: "typed-co", first: 5 }, admin);
    expect(folder.data!.customer?.files.edges.map((e) => e.node.id)).toEqual([fileId]);

    const details = await t.exec(FileAdminDetailsDocument, { id: fileId }, admin);
    expect(details.data!.file).toMatchObject({
      uploadedBy: EMAIL,
      customer: { id: "typed-co", name: "Typed Company" },
    });
    // The admin-only document is refused to the customer, field by field.
    const notForCustomers = await t.exec(FileAdminDetailsDocument, { id: fileId }, customer);
    expect(codes(notForCustomers)).toContain("FORBIDDEN");

    const deleted = await t.exec(DeleteFileDocument, { id: fileId }, admin);
    expect(deleted.data!.deleteFile).toBe(fileId);
    const gone = await t.exec(FileDocument, { id: fileId }, customer);
    expect(gone.data!.file).toBeNull();
  });

  it("ResetCustomerPassword gives a temporary password that asks for a new one", async () => {
    const reset = await t.exec(ResetCustomerPasswordDocument, { id: "typed-co" }, admin);
    expect(reset.errors).toBeUndefined();
    expect(reset.data!.resetCustomerPassword.customer.status).toBe("INVITED");
    const signIn = await t.exec(SignInDocument, {
      email: EMAIL,
      password: reset.data!.resetCustomerPassword.temporaryPassword,
    });
    expect(signIn.data!.signIn.__typename).toBe("NewPasswordRequired");
  });

  it("the same documents over HTTP, as Apollo Client posts them", async () => {
    const res = await t.http(MeDocument, {}, admin);
    expect(res.status).toBe(200);
    expect(res.body.data!.me.role).toBe("ADMIN");
  });
});
