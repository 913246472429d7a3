import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, startTestApp, withoutRequestIds } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";
import { countAwsCalls } from "./support.js";
import { makeWorld } from "./world.js";
import type { World } from "./world.js";

type FilesPage = {
  files: { edges: { node: { id: string } }[]; pageInfo: { endCursor: string | null } };
};
const FILES = `query($c: ID, $s: FileScope, $a: String) { files(first: 1, customerId: $c, scope: $s, after: $a) {
  edges { node { id } } pageInfo { endCursor } } }`;

describe("tenant scope of cursors and ids, and Cognito calls per request (local stand-ins)", () => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await startTestApp();
    w = await makeWorld(t);
    // Two files each, so every listing has a next page and a cursor.
    await w.putFile(w.acme.id, "second.pdf");
    await w.putFile(w.globex.id, "second.pdf");
  });
  afterAll(() => t?.stop());

  it("a cursor is a position, never a permission: another tenant's cursor or a forged one is refused", async () => {
    const admin = w.tokens.admin;
    const acme = w.tokens.customerSelf;
    const theirs = await t.exec<FilesPage>(FILES, { c: w.globex.id }, admin);
    const theirCursor = theirs.data!.files.pageInfo.endCursor!;
    expect(theirCursor).toEqual(expect.any(String));

    // globex's cursor on acme's own listing.
    const replay = await t.exec(FILES, { a: theirCursor }, acme);
    expect(codes(replay)).toEqual(["BAD_USER_INPUT"]);
    // A cursor forged to point into globex's folder, well-formed.
    const forged = t.cursors.encode("files", {
      [`customers/${w.globex.id}/`]: null,
      [`customers/${w.acme.id}/`]: null,
    });
    expect(codes(await t.exec(FILES, { a: forged }, acme))).toEqual(["BAD_USER_INPUT"]);
    // acme's own cursor, asked for globex's folder.
    const mine = await t.exec<FilesPage>(FILES, { s: "CUSTOMER" }, acme);
    const myCursor = mine.data!.files.pageInfo.endCursor!;
    expect(codes(await t.exec(FILES, { c: w.globex.id, a: myCursor }, acme))).toEqual([
      "FORBIDDEN",
    ]);
    // …and it still works where it came from.
    const next = await t.exec<FilesPage>(FILES, { s: "CUSTOMER", a: myCursor }, acme);
    expect(codes(next)).toEqual([]);
    expect(next.data!.files.edges[0]!.node.id).not.toBe(mine.data!.files.edges[0]!.node.id);
  });

  it("another tenant's file id reads exactly like a missing one, and costs no S3 call", async () => {
    const q = `query($id: ID!) { file(id: $id) { id } }`;
    const acme = w.tokens.customerSelf;
    await t.exec(`{ me { id } }`, {}, acme);
    const calls = countAwsCalls(t.app.clients);
    try {
      const foreign = await t.exec(q, { id: w.globex.fileId }, acme);
      const missing = await t.exec(
        q,
        { id: t.ids.of(`customers/${w.globex.id}/0000000000001-abcdef01/nothing.pdf`) },
        acme,
      );
      // Null with NOT_FOUND, alike; only the request id differs between two requests.
      expect(foreign.data).toEqual({ file: null });
      expect(codes(foreign)).toEqual(["NOT_FOUND"]);
      expect(withoutRequestIds(missing)).toEqual(withoutRequestIds(foreign));
      expect(calls.names()).toEqual([]);
    } finally {
      calls.stop();
    }
  });

  it("once a viewer is known, requests make no Cognito call (user lookups cached; no list per request)", async () => {
    const acme = w.tokens.customerSelf;
    await t.exec(`{ me { id } }`, {}, acme);
    const calls = countAwsCalls(t.app.clients);
    try {
      for (let i = 0; i < 20; i++) {
        const r = await t.exec(
          `{ me { id customer { id name } } files(first: 5) { edges { node { id name } } } }`,
          {},
          acme,
        );
        expect(codes(r)).toEqual([]);
      }
      const names = calls.names();
      expect(names.filter((n) => !n.startsWith("ListObjectsV2"))).toEqual([]);
    } finally {
      calls.stop();
    }
  });
});
