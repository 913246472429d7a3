import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CustomerDocument,
  DeleteCustomerDocument,
  DeleteFileDocument,
  MeDocument,
} from "../../src/client/index.js";
import { TEST_CUSTOMER_PASSWORD, codes, startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";

/** deleteCustomer against the local stand-ins: refused while files remain, then the account goes. */
describe("deleteCustomer (admin)", () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true });
    admin = await t.adminToken();
  });
  afterAll(() => t?.stop());

  /** Uploads one file into the customer's folder; returns its id. */
  const upload = (customerId: string) =>
    t.upload(admin, { filename: "keep.txt", contentType: "text/plain", customerId }, "keep");

  it("refuses with CONFLICT while the customer's folder holds a file, and keeps the customer", async () => {
    const token = await t.createCustomer("del-busy");
    const fileId = await upload("del-busy");
    const r = await t.exec(DeleteCustomerDocument, { id: "del-busy" }, admin);
    expect(codes(r)).toEqual(["CONFLICT"]);
    expect((await t.exec(MeDocument, {}, token)).data?.me.customer?.id).toBe("del-busy");

    // Once the folder is empty, the same request succeeds.
    expect((await t.exec(DeleteFileDocument, { id: fileId }, admin)).data?.deleteFile).toBe(fileId);
    expect((await t.exec(DeleteCustomerDocument, { id: "del-busy" }, admin)).data).toEqual({
      deleteCustomer: "del-busy",
    });
  });

  it("deletes the account: its token stops working at once, sign-in fails, lookups answer null", async () => {
    const token = await t.createCustomer("del-gone");
    expect((await t.exec(MeDocument, {}, token)).data?.me.customer?.id).toBe("del-gone");
    t.logs.length = 0;
    const r = await t.exec(DeleteCustomerDocument, { id: "del-gone" }, admin);
    expect(r).toEqual({ data: { deleteCustomer: "del-gone" } });
    const audit = t.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.audit);
    expect(audit).toMatchObject([{ action: "deleteCustomer", target: "del-gone", outcome: "ok" }]);

    expect(codes(await t.exec(MeDocument, {}, token))).toEqual(["UNAUTHENTICATED"]);
    await expect(t.signIn("del-gone@example.test", TEST_CUSTOMER_PASSWORD)).rejects.toThrow(
      /signIn failed/,
    );
    expect((await t.exec(CustomerDocument, { id: "del-gone" }, admin)).data).toEqual({
      customer: null,
    });
    // A second delete finds nothing.
    expect(codes(await t.exec(DeleteCustomerDocument, { id: "del-gone" }, admin))).toEqual([
      "NOT_FOUND",
    ]);
  });

  it("answers NOT_FOUND for an unknown id, BAD_USER_INPUT for a malformed one, and never deletes an admin", async () => {
    expect(codes(await t.exec(DeleteCustomerDocument, { id: "no-such-customer" }, admin))).toEqual([
      "NOT_FOUND",
    ]);
    expect(codes(await t.exec(DeleteCustomerDocument, { id: "../Admins" }, admin))).toEqual([
      "BAD_USER_INPUT",
    ]);
    // An admin's username ("admin.<hex>") is no customer id.
    expect(
      codes(await t.exec(DeleteCustomerDocument, { id: t.stack.admin.username }, admin)),
    ).toEqual(["BAD_USER_INPUT"]);
    expect((await t.exec(MeDocument, {}, admin)).data?.me.role).toBe("ADMIN");
  });
});
