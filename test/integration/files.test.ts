import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildKey } from "../../src/files/keys.js";
import { codes, startTestApp } from "../helpers/app.js";
import type { TestApp } from "../helpers/app.js";
import { putObjectsOnDisk } from "../helpers/s3-disk.js";
import { verifyPresignedUrl } from "../helpers/sigv4.js";

interface Ticket {
  fileId: string;
  method: string;
  url: string;
  headers: { name: string; value: string }[];
  expiresAt: string;
}
const REQUEST_UPLOAD = `mutation($input: RequestUploadInput!) { requestUpload(input: $input) { fileId method url headers { name value } expiresAt } }`;
const FILES = `query($first: Int, $after: String, $scope: FileScope, $customerId: ID) {
  files(first: $first, after: $after, scope: $scope, customerId: $customerId) {
    edges { cursor node { id name scope customerId size lastModified downloadUrl } }
    pageInfo { hasNextPage endCursor } } }`;

type FileNode = {
  id: string;
  name: string;
  scope: string;
  customerId: string | null;
  size: number;
  downloadUrl: string;
};

describe("files: presigned uploads, scoped listings, downloads and deletion", () => {
  let t: TestApp;
  let admin: string;
  let alice: string;
  let bob: string;

  async function upload(
    token: string,
    input: Record<string, unknown>,
    body: Buffer,
  ): Promise<Ticket> {
    const r = await t.exec<{ requestUpload: Ticket }>(
      REQUEST_UPLOAD,
      { input: { contentType: "text/plain", size: body.length, ...input } },
      token,
    );
    if (!r.data) throw new Error(JSON.stringify(r.errors));
    const ticket = r.data.requestUpload;
    const put = await fetch(ticket.url, {
      method: ticket.method,
      headers: Object.fromEntries(ticket.headers.map((h) => [h.name, h.value])),
      body,
    });
    expect(put.status).toBe(200);
    return ticket;
  }

  async function list(token: string, vars: Record<string, unknown> = {}) {
    const r = await t.exec<{
      files: {
        edges: { cursor: string; node: FileNode }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    }>(FILES, vars, token);
    return r;
  }

  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true });
    admin = await t.adminToken();
    alice = await t.createCustomer("alice-co");
    bob = await t.createCustomer("bob-co");
  });
  afterAll(() => t?.stop());

  it("lets admins upload into a customer's folder and general/, and customers into their own", async () => {
    await upload(
      admin,
      { filename: "contract.txt", customerId: "alice-co" },
      Buffer.from("for alice"),
    );
    await upload(
      admin,
      { filename: "handbook.txt", scope: "GENERAL" },
      Buffer.from("for everyone"),
    );
    await upload(alice, { filename: "../../etc/Résumé ünïcode.txt" }, Buffer.from("alice's own"));
    await upload(bob, { filename: "bob-secret.txt" }, Buffer.from("bob only"));

    const a = await list(alice);
    expect(a.errors).toBeUndefined();
    const names = a.data!.files.edges.map((e) => e.node.name);
    // Newest first: alice's own upload, then the general handbook, then the admin's contract.
    expect(names).toEqual(["Résumé ünïcode.txt", "handbook.txt", "contract.txt"]);
    expect(a.data!.files.edges.map((e) => e.node.scope)).toEqual([
      "CUSTOMER",
      "GENERAL",
      "CUSTOMER",
    ]);

    const b = await list(bob);
    expect(b.data!.files.edges.map((e) => e.node.name)).toEqual(["bob-secret.txt", "handbook.txt"]);
  });

  it("downloads the exact bytes under the original name (RFC 6266 filename*)", async () => {
    const a = await list(alice, { scope: "CUSTOMER" });
    const node = a.data!.files.edges.find((e) => e.node.name.startsWith("Résumé"))!.node;
    const res = await fetch(node.downloadUrl);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("alice's own");
    const cd = res.headers.get("content-disposition") ?? "";
    expect(cd).toContain("attachment;");
    expect(cd).toContain(`filename*=UTF-8''${encodeURIComponent("Résumé ünïcode.txt")}`);
    expect(new URL(node.downloadUrl).searchParams.get("X-Amz-Expires")).toBe("300");
  });

  it("keeps customers in their own folder for uploads, deletes and reads", async () => {
    const general = await t.exec(
      REQUEST_UPLOAD,
      { input: { filename: "x.txt", contentType: "text/plain", size: 1, scope: "GENERAL" } },
      alice,
    );
    expect(codes(general)).toEqual(["FORBIDDEN"]);
    const other = await t.exec(
      REQUEST_UPLOAD,
      { input: { filename: "x.txt", contentType: "text/plain", size: 1, customerId: "bob-co" } },
      alice,
    );
    expect(codes(other)).toEqual(["FORBIDDEN"]);
    const bobs = await list(bob, { scope: "CUSTOMER" });
    const bobFile = bobs.data!.files.edges[0]!.node;
    const read = await t.exec<{ file: null }>(
      `query($id: ID!) { file(id: $id) { id name } }`,
      { id: bobFile.id },
      alice,
    );
    // Another tenant's file is answered as missing: null, NOT_FOUND.
    expect(codes(read)).toEqual(["NOT_FOUND"]);
    expect(read.data!.file).toBeNull();
    const missing = await t.exec<{ file: null }>(
      `query($id: ID!) { file(id: $id) { id } }`,
      { id: t.ids.of("customers/alice-co/nothing.txt") },
      alice,
    );
    expect(missing.data!.file).toBeNull();
    const del = await t.exec(
      `mutation($id: ID!) { deleteFile(id: $id) }`,
      { id: bobFile.id },
      alice,
    );
    expect(codes(del)).toEqual(["FORBIDDEN"]);
    const listOther = await list(alice, { customerId: "bob-co" });
    expect(codes(listOther)).toEqual(["FORBIDDEN"]);
    // Bob's cursor is refused in Alice's hands.
    const bobPage = await list(bob, { first: 1 });
    const stolen = await list(alice, { first: 1, after: bobPage.data!.files.pageInfo.endCursor });
    expect(codes(stolen)).toEqual(["BAD_USER_INPUT"]);
    const forged = await list(alice, { first: 1, after: "eyJ2IjoxfQ" });
    expect(codes(forged)).toEqual(["BAD_USER_INPUT"]);
  });

  it("shows uploadedBy and contentType to admins, refuses uploadedBy to customers", async () => {
    const q = `query($id: ID!) { file(id: $id) { name contentType uploadedBy customer { id } } }`;
    const a = await list(alice, { scope: "CUSTOMER" });
    const id = a.data!.files.edges.find((e) => e.node.name === "contract.txt")!.node.id;
    const asAdmin = await t.exec<{
      file: { contentType: string; uploadedBy: string; customer: { id: string } };
    }>(q, { id }, admin);
    expect(asAdmin.errors).toBeUndefined();
    expect(asAdmin.data!.file).toMatchObject({
      contentType: "text/plain",
      uploadedBy: t.stack.admin.email,
      customer: { id: "alice-co" },
    });
    const asAlice = await t.exec(
      `query($id: ID!) { file(id: $id) { name contentType uploadedBy } }`,
      { id },
      alice,
    );
    expect(codes(asAlice)).toEqual(["FORBIDDEN"]);
  });

  it("validates upload requests and changes nothing on bad input", async () => {
    const bad = async (input: Record<string, unknown>, token = admin) =>
      codes(
        await t.exec(
          REQUEST_UPLOAD,
          {
            input: {
              filename: "a.txt",
              contentType: "text/plain",
              size: 10,
              customerId: "alice-co",
              ...input,
            },
          },
          token,
        ),
      );
    expect(await bad({ size: 0 })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ size: 5 * 1024 ** 3 + 1 })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ filename: "  /// " })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ filename: ".." })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ filename: "x".repeat(256) })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ contentType: "not a type" })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ checksumSha256: "abc" })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ customerId: null })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ customerId: "../bob-co" })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad({ customerId: "nobody-here" })).toEqual(["NOT_FOUND"]);
    expect(await bad({ scope: "GENERAL" })).toEqual(["BAD_USER_INPUT"]);
    const big = await t.exec(
      REQUEST_UPLOAD,
      {
        input: {
          filename: "a",
          contentType: "text/plain",
          size: 6 * 1024 ** 3,
          customerId: "alice-co",
        },
      },
      admin,
    );
    expect(big.errors![0]!.message).toMatch(/multipart/);
  });

  it("gives the same name twice two files, never an overwrite", async () => {
    const t1 = await upload(admin, { filename: "same.txt", scope: "GENERAL" }, Buffer.from("one"));
    const t2 = await upload(admin, { filename: "same.txt", scope: "GENERAL" }, Buffer.from("two"));
    expect(t1.fileId).not.toBe(t2.fileId);
    const g = await list(admin, { scope: "GENERAL" });
    expect(g.data!.files.edges.filter((e) => e.node.name === "same.txt")).toHaveLength(2);
  });

  it("lets admins delete; a second delete is NOT_FOUND", async () => {
    const ticket = await upload(
      admin,
      { filename: "doomed.txt", customerId: "bob-co" },
      Buffer.from("bye"),
    );
    const del = await t.exec<{ deleteFile: string }>(
      `mutation($id: ID!) { deleteFile(id: $id) }`,
      { id: ticket.fileId },
      admin,
    );
    expect(del.data!.deleteFile).toBe(ticket.fileId);
    const again = await t.exec(
      `mutation($id: ID!) { deleteFile(id: $id) }`,
      { id: ticket.fileId },
      admin,
    );
    expect(codes(again)).toEqual(["NOT_FOUND"]);
    const read = await t.exec<{ file: null }>(
      `query($id: ID!) { file(id: $id) { id } }`,
      { id: ticket.fileId },
      admin,
    );
    expect(read.data!.file).toBeNull();
    expect(
      t.logs.some((l) => l.includes('"action":"deleteFile"') && l.includes('"outcome":"ok"')),
    ).toBe(true);
  });

  it("signs length, type, metadata and checksum into the PUT URL (checked with an independent SigV4)", async () => {
    const body = Buffer.from("checksummed content");
    const checksum = createHash("sha256").update(body).digest("base64");
    const r = await t.exec<{ requestUpload: Ticket }>(
      REQUEST_UPLOAD,
      {
        input: {
          filename: "sum.txt",
          contentType: "text/plain",
          size: body.length,
          customerId: "alice-co",
          checksumSha256: checksum,
        },
      },
      admin,
    );
    const ticket = r.data!.requestUpload;
    const creds = t.stack.s3.credentials;
    const headers = Object.fromEntries(ticket.headers.map((h) => [h.name, h.value]));
    const sent: Record<string, string> = { ...headers, "content-length": String(body.length) };
    expect(Object.keys(headers).sort()).toEqual(
      [
        "content-type",
        "x-amz-checksum-sha256",
        "x-amz-meta-original-name",
        "x-amz-meta-uploaded-by",
      ].sort(),
    );
    expect(new URL(ticket.url).searchParams.get("X-Amz-Expires")).toBe("900");
    expect(ticket.url).not.toMatch(/x-amz-checksum-crc32/i);
    expect(verifyPresignedUrl(ticket.url, "PUT", sent, creds)).toBe(true);
    expect(
      verifyPresignedUrl(
        ticket.url,
        "PUT",
        { ...sent, "content-length": String(body.length + 1) },
        creds,
      ),
    ).toBe(false);
    expect(
      verifyPresignedUrl(ticket.url, "PUT", { ...sent, "content-type": "text/html" }, creds),
    ).toBe(false);
    expect(
      verifyPresignedUrl(
        ticket.url,
        "PUT",
        { ...sent, "x-amz-meta-uploaded-by": "someone-else" },
        creds,
      ),
    ).toBe(false);
    expect(
      verifyPresignedUrl(
        ticket.url,
        "PUT",
        { ...sent, "x-amz-checksum-sha256": createHash("sha256").update("other").digest("base64") },
        creds,
      ),
    ).toBe(false);
    const { "x-amz-checksum-sha256": _omit, ...withoutChecksum } = sent;
    expect(verifyPresignedUrl(ticket.url, "PUT", withoutChecksum, creds)).toBe(false);
    expect(
      verifyPresignedUrl(ticket.url, "PUT", sent, { ...creds, secretAccessKey: "wrong" }),
    ).toBe(false);

    const a = await list(admin, { customerId: "alice-co" });
    const url = a.data!.files.edges[0]!.node.downloadUrl;
    expect(verifyPresignedUrl(url, "GET", {}, creds)).toBe(true);
    const tampered = new URL(url);
    tampered.searchParams.set("response-content-disposition", "inline");
    expect(verifyPresignedUrl(tampered.toString(), "GET", {}, creds)).toBe(false);
  });

  it("walks 2,500 files across a customer's folder and general/ page by page, newest first, no duplicate or gap", async () => {
    const base = Date.now() - 10_000_000;
    const keys: string[] = [];
    for (let i = 0; i < 2500; i++)
      keys.push(
        buildKey(
          i % 2 ? "GENERAL" : "CUSTOMER",
          i % 2 ? null : "bob-co",
          `walk-${i}.txt`,
          base + i * 10,
        ),
      );
    // Into the stand-in's store directly (s3rver's own code), not 2,500 PutObject requests.
    await putObjectsOnDisk(
      t.stack,
      keys.map((key) => ({ key, body: "x" })),
    );
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const r = await list(bob, { first: 100, ...(after ? { after } : {}) });
      expect(r.errors).toBeUndefined();
      for (const e of r.data!.files.edges) seen.push(e.node.name);
      after = r.data!.files.pageInfo.hasNextPage ? r.data!.files.pageInfo.endCursor : null;
      pages++;
    } while (after && pages < 100);
    const walked = seen.filter((n) => n.startsWith("walk-"));
    expect(walked).toHaveLength(2500);
    expect(new Set(walked).size).toBe(2500);
    // Newest first: walk-2499 was "uploaded" last.
    expect(walked).toEqual(Array.from({ length: 2500 }, (_, i) => `walk-${2499 - i}.txt`));
  }, 120_000);
});
