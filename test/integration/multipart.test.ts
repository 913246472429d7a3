import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codes, startTestApp } from "../helpers/app.js";
import type { GqlResult, TestApp } from "../helpers/app.js";
import { verifyPresignedUrl } from "../helpers/sigv4.js";

const MIB = 1024 * 1024;

interface Started {
  fileId: string;
  uploadId: string;
  partSize: number;
  partCount: number;
  expiresAt: string;
}
interface Part {
  partNumber: number;
  size: number;
  url: string;
  headers: { name: string; value: string }[];
  expiresAt: string;
}
interface FileOut {
  id: string;
  name: string;
  size: number;
  scope: string;
  customerId: string | null;
  contentType: string | null;
  downloadUrl: string;
}

const START = `mutation($input: RequestUploadInput!) {
  startMultipartUpload(input: $input) { fileId uploadId partSize partCount expiresAt } }`;
const SIGN = `mutation($f: ID!, $u: String!, $n: [Int!]!) {
  signUploadParts(fileId: $f, uploadId: $u, partNumbers: $n) { partNumber size url headers { name value } expiresAt } }`;
const COMPLETE = `mutation($f: ID!, $u: String!, $p: [CompletedPartInput!]!) {
  completeMultipartUpload(fileId: $f, uploadId: $u, parts: $p) { id name size scope customerId contentType downloadUrl } }`;
const ABORT = `mutation($f: ID!, $u: String!) { abortMultipartUpload(fileId: $f, uploadId: $u) }`;
const PARTS = `query($f: ID!, $u: String!) { uploadedParts(fileId: $f, uploadId: $u) { partNumber size etag } }`;

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("multipart uploads: presigned parts, completion, authorization (s3rver)", () => {
  let t: TestApp;
  let admin: string;
  let alice: string;
  let bob: string;

  function ok<T>(r: GqlResult<T>): T {
    if (!r.data || r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  }

  async function start(token: string, input: Record<string, unknown>): Promise<Started> {
    return ok(
      await t.exec<{ startMultipartUpload: Started }>(
        START,
        { input: { contentType: "application/octet-stream", ...input } },
        token,
      ),
    ).startMultipartUpload;
  }

  async function sign(token: string, up: Started, numbers: number[]): Promise<Part[]> {
    return ok(
      await t.exec<{ signUploadParts: Part[] }>(
        SIGN,
        { f: up.fileId, u: up.uploadId, n: numbers },
        token,
      ),
    ).signUploadParts;
  }

  /** PUTs one part as a browser would; returns the ETag header. */
  async function put(part: Part, body: Uint8Array): Promise<string> {
    const res = await fetch(part.url, {
      method: "PUT",
      headers: Object.fromEntries(part.headers.map((h) => [h.name, h.value])),
      body,
    });
    expect(res.status).toBe(200);
    const etag = res.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    return etag as string;
  }

  async function uploadAll(token: string, up: Started, data: Buffer) {
    const parts = await sign(
      token,
      up,
      Array.from({ length: up.partCount }, (_, i) => i + 1),
    );
    const done: { partNumber: number; etag: string }[] = [];
    for (const p of parts) {
      const from = (p.partNumber - 1) * up.partSize;
      done.push({
        partNumber: p.partNumber,
        etag: await put(p, data.subarray(from, from + p.size)),
      });
    }
    return done;
  }

  beforeAll(async () => {
    t = await startTestApp({ captureLogs: true, settings: { multipartMaxBytes: 64 * MIB } });
    admin = await t.adminToken();
    alice = await t.createCustomer("alice-mp");
    bob = await t.createCustomer("bob-mp");
  });
  afterAll(() => t?.stop());

  it("uploads 3 parts signed one by one, completes, lists and downloads the exact bytes", async () => {
    const data = randomBytes(12 * MIB + 12_345);
    const up = await start(alice, {
      filename: "site survey.mp4",
      contentType: "video/mp4",
      size: data.length,
    });
    expect(up).toMatchObject({ partSize: 5 * MIB, partCount: 3 });
    // The handle is sealed: nothing in it (size, S3 upload id) is readable or editable.
    expect(up.uploadId).toMatch(/^m2\.[A-Za-z0-9_-]+$/);
    expect(up.uploadId).not.toContain(String(data.length));
    const week = Date.now() + 7 * 24 * 3600 * 1000;
    expect(Math.abs(Date.parse(up.expiresAt) - week)).toBeLessThan(60_000);

    const etags: { partNumber: number; etag: string }[] = [];
    for (const n of [1, 2, 3]) {
      const [part] = await sign(alice, up, [n]);
      expect(part).toMatchObject({
        partNumber: n,
        size: n < 3 ? 5 * MIB : 2 * MIB + 12_345,
        headers: [],
      });
      const from = (n - 1) * up.partSize;
      etags.push({ partNumber: n, etag: await put(part!, data.subarray(from, from + part!.size)) });
    }
    // Any order and quoting is accepted; the server sorts and normalises.
    const sent = [etags[2]!, { ...etags[0]!, etag: etags[0]!.etag.replace(/"/g, "") }, etags[1]!];
    const file = ok(
      await t.exec<{ completeMultipartUpload: FileOut }>(
        COMPLETE,
        { f: up.fileId, u: up.uploadId, p: sent },
        alice,
      ),
    ).completeMultipartUpload;
    expect(file).toMatchObject({
      id: up.fileId,
      name: "site survey.mp4",
      size: data.length,
      scope: "CUSTOMER",
      customerId: "alice-mp",
      contentType: "video/mp4",
    });

    const listed = ok(
      await t.exec<{ files: { edges: { node: { id: string; size: number } }[] } }>(
        `query { files(scope: CUSTOMER) { edges { node { id size } } } }`,
        {},
        alice,
      ),
    );
    expect(listed.files.edges.map((e) => e.node)).toContainEqual({
      id: up.fileId,
      size: data.length,
    });

    const res = await fetch(file.downloadUrl);
    expect(res.status).toBe(200);
    expect(sha256(new Uint8Array(await res.arrayBuffer()))).toBe(sha256(data));

    const asAdmin = ok(
      await t.exec<{ file: { uploadedBy: string } }>(
        `query($id: ID!) { file(id: $id) { uploadedBy } }`,
        { id: up.fileId },
        admin,
      ),
    );
    expect(asAdmin.file.uploadedBy).toBe("alice-mp@example.test");
    for (const action of ["startMultipartUpload", "completeMultipartUpload"])
      expect(
        t.logs.some(
          (l) =>
            l.includes(`"action":"${action}"`) &&
            l.includes(`"target":"${up.fileId}"`) &&
            l.includes('"outcome":"ok"'),
        ),
      ).toBe(true);
  });

  it("takes a 50 MiB file through the API over HTTP, 10 parts in one batch, 4 at a time, byte-identical", async () => {
    const data = randomBytes(50 * MIB);
    const gql = async <T>(query: string, variables: Record<string, unknown>) => {
      const r = await t.http<T>(query, variables, bob);
      expect(r.status).toBe(200);
      return ok(r.body);
    };
    const up = (
      await gql<{ startMultipartUpload: Started }>(START, {
        input: { filename: "backup.tar", contentType: "application/x-tar", size: data.length },
      })
    ).startMultipartUpload;
    expect(up).toMatchObject({ partSize: 5 * MIB, partCount: 10 });
    const parts = (
      await gql<{ signUploadParts: Part[] }>(SIGN, {
        f: up.fileId,
        u: up.uploadId,
        n: Array.from({ length: 10 }, (_, i) => i + 1),
      })
    ).signUploadParts;
    const etags: { partNumber: number; etag: string }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < parts.length) {
          const p = parts[next++]!;
          const from = (p.partNumber - 1) * up.partSize;
          etags.push({
            partNumber: p.partNumber,
            etag: await put(p, data.subarray(from, from + p.size)),
          });
        }
      }),
    );
    const file = (
      await gql<{ completeMultipartUpload: FileOut }>(COMPLETE, {
        f: up.fileId,
        u: up.uploadId,
        p: etags,
      })
    ).completeMultipartUpload;
    expect(file.size).toBe(50 * MIB);
    const res = await fetch(file.downloadUrl);
    const got = new Uint8Array(await res.arrayBuffer());
    expect(got.length).toBe(data.length);
    expect(sha256(got)).toBe(sha256(data));
  }, 60_000);

  it("signs each part's key, upload id, part number and exact length (independent SigV4 check)", async () => {
    const size = 11 * MIB;
    const up = await start(alice, { filename: "signed.bin", size });
    const [p1, p3] = await sign(alice, up, [1, 3]);
    const creds = t.stack.s3.credentials;
    const u = new URL(p1!.url);
    expect(u.searchParams.get("partNumber")).toBe("1");
    expect(u.searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;host");
    expect(u.searchParams.get("X-Amz-Expires")).toBe("900");
    expect(p1!.url).not.toMatch(/x-amz-checksum|x-amz-sdk-checksum/i);
    const len = (p: Part) => ({ "content-length": String(p.size) });
    expect(p3!.size).toBe(MIB);
    expect(verifyPresignedUrl(p1!.url, "PUT", len(p1!), creds)).toBe(true);
    expect(verifyPresignedUrl(p3!.url, "PUT", len(p3!), creds)).toBe(true);
    // Another length, part number, upload, key or secret: S3 would refuse.
    expect(
      verifyPresignedUrl(p1!.url, "PUT", { "content-length": String(p1!.size + 1) }, creds),
    ).toBe(false);
    expect(verifyPresignedUrl(p3!.url, "PUT", { "content-length": String(5 * MIB) }, creds)).toBe(
      false,
    );
    expect(verifyPresignedUrl(p1!.url, "PUT", {}, creds)).toBe(false);
    const edit = (url: string, k: string, v: string) => {
      const x = new URL(url);
      x.searchParams.set(k, v);
      return x.toString();
    };
    expect(verifyPresignedUrl(edit(p1!.url, "partNumber", "2"), "PUT", len(p1!), creds)).toBe(
      false,
    );
    expect(verifyPresignedUrl(edit(p1!.url, "uploadId", "other"), "PUT", len(p1!), creds)).toBe(
      false,
    );
    const otherKey = new URL(p1!.url);
    otherKey.pathname = otherKey.pathname.replace("alice-mp", "bob-mp");
    expect(verifyPresignedUrl(otherKey.toString(), "PUT", len(p1!), creds)).toBe(false);
    expect(
      verifyPresignedUrl(p1!.url, "PUT", len(p1!), { ...creds, secretAccessKey: "wrong" }),
    ).toBe(false);
  });

  it("refuses every step to another customer and to anonymous callers, and the upload survives it", async () => {
    const data = randomBytes(6 * MIB);
    const up = await start(alice, { filename: "mine.bin", size: data.length });
    const done = await uploadAll(alice, up, data);
    const steps: [string, Record<string, unknown>][] = [
      [SIGN, { f: up.fileId, u: up.uploadId, n: [1] }],
      [COMPLETE, { f: up.fileId, u: up.uploadId, p: done }],
      [ABORT, { f: up.fileId, u: up.uploadId }],
      [PARTS, { f: up.fileId, u: up.uploadId }],
    ];
    for (const [query, vars] of steps) {
      expect(codes(await t.exec(query, vars, bob))).toEqual(["FORBIDDEN"]);
      expect(codes(await t.exec(query, vars))).toEqual(["UNAUTHENTICATED"]);
      const overHttp = await t.http(query, vars);
      expect(codes(overHttp.body)).toEqual(["UNAUTHENTICATED"]);
    }
    const input = { filename: "x.bin", contentType: "text/plain", size: 10 };
    expect(
      codes(await t.exec(START, { input: { ...input, customerId: "alice-mp" } }, bob)),
    ).toEqual(["FORBIDDEN"]);
    expect(codes(await t.exec(START, { input: { ...input, scope: "GENERAL" } }, bob))).toEqual([
      "FORBIDDEN",
    ]);
    expect(codes(await t.exec(START, { input }))).toEqual(["UNAUTHENTICATED"]);
    // A general/ upload started by an admin is not a customer's to sign either.
    const general = await start(admin, { filename: "g.bin", size: 10, scope: "GENERAL" });
    expect(
      codes(await t.exec(SIGN, { f: general.fileId, u: general.uploadId, n: [1] }, alice)),
    ).toEqual(["FORBIDDEN"]);
    // Admins may act on any folder.
    expect((await sign(admin, up, [1]))[0]!.size).toBe(5 * MIB);
    // Each refused abort wrote its audit line; none of them aborted anything.
    const aborts = t.logs.filter((l) => l.includes('"action":"abortMultipartUpload"'));
    expect(aborts.map((l) => (JSON.parse(l) as { outcome?: string }).outcome)).toEqual([
      "FORBIDDEN",
      "UNAUTHENTICATED",
      "UNAUTHENTICATED",
    ]);

    const file = ok(
      await t.exec<{ completeMultipartUpload: FileOut }>(
        COMPLETE,
        { f: up.fileId, u: up.uploadId, p: done },
        alice,
      ),
    ).completeMultipartUpload;
    expect(file.size).toBe(data.length);
  });

  it("validates every step's input", async () => {
    const up = await start(alice, { filename: "v.bin", size: 12 * MIB });
    const bad = async (query: string, vars: Record<string, unknown>) =>
      codes(await t.exec(query, vars, alice));
    for (const n of [[], Array.from({ length: 101 }, () => 1), [0], [4], [1, 1], [-1]])
      expect(await bad(SIGN, { f: up.fileId, u: up.uploadId, n })).toEqual(["BAD_USER_INPUT"]);
    for (const [f, u] of [
      ["nope", up.uploadId],
      [t.ids.of("customers/alice-mp/manual.pdf"), up.uploadId],
      [up.fileId, "nope"],
      [up.fileId, `m1.${64 * MIB + 1}.anything`],
    ])
      expect(await bad(SIGN, { f, u, n: [1] })).toEqual(["BAD_USER_INPUT"]);
    const etag = `"${"a".repeat(32)}"`;
    const all = [1, 2, 3].map((partNumber) => ({ partNumber, etag }));
    for (const p of [
      all.slice(0, 2),
      [...all, { partNumber: 4, etag }],
      [all[0], all[1], { partNumber: 2, etag }],
      [all[0], all[1], { partNumber: 3, etag: "W/abc" }],
    ])
      expect(await bad(COMPLETE, { f: up.fileId, u: up.uploadId, p })).toEqual(["BAD_USER_INPUT"]);

    // The largest completion (10,000 parts) fits the HTTP body and query limits.
    const many = Array.from({ length: 10_000 }, (_, i) => ({ partNumber: i + 1, etag }));
    const huge = await t.http(COMPLETE, { f: up.fileId, u: up.uploadId, p: many }, alice);
    expect(huge.status).toBe(200);
    expect(codes(huge.body)).toEqual(["BAD_USER_INPUT"]);
    expect(huge.body.errors![0]!.message).toMatch(/has 3 parts.*got 10000/);

    const input = { filename: "s.bin", contentType: "application/octet-stream", size: 10 };
    const checksum = createHash("sha256").update("x").digest("base64");
    const refused = await t.exec(START, { input: { ...input, checksumSha256: checksum } }, alice);
    expect(codes(refused)).toEqual(["BAD_USER_INPUT"]);
    expect(refused.errors![0]!.message).toMatch(/per part/);
    expect(await bad(START, { input: { ...input, size: 64 * MIB + 1 } })).toEqual([
      "BAD_USER_INPUT",
    ]);
    expect(await bad(START, { input: { ...input, size: 0 } })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad(START, { input: { ...input, filename: ".." } })).toEqual(["BAD_USER_INPUT"]);
    expect(await bad(START, { input: { ...input, contentType: "nope" } })).toEqual([
      "BAD_USER_INPUT",
    ]);
    const admin404 = await t.exec(START, { input: { ...input, customerId: "nobody-here" } }, admin);
    expect(codes(admin404)).toEqual(["NOT_FOUND"]);

    const big = await t.exec(
      `mutation($input: RequestUploadInput!) { requestUpload(input: $input) { fileId } }`,
      { input: { ...input, size: 6 * 1024 ** 3 } },
      alice,
    );
    expect(big.errors![0]!.message).toMatch(/startMultipartUpload/);
  });

  it("an edited upload handle signs nothing: the declared size, key and S3 upload id are sealed (issue 12, item 8)", async () => {
    // Before: the handle was `m1.{size}.{uploadId}`; rewriting the size of a 6 MiB upload to
    // 5 TiB made signUploadParts sign 525 MiB parts.
    const up = await start(alice, { filename: "edited.bin", size: 6 * MIB });
    const other = await start(alice, { filename: "other.bin", size: 6 * MIB });
    const sealed = up.uploadId.slice(3);
    const edits = [
      `m1.${5 * 1024 ** 4}.${sealed}`,
      `m2.${sealed.slice(0, 10)}${sealed[10] === "A" ? "B" : "A"}${sealed.slice(11)}`,
      `m2.${sealed.slice(0, -1)}${sealed.endsWith("A") ? "B" : "A"}`,
      `m2.${sealed}A`,
      // A real handle, but of another upload (another key): bound to its own file.
      other.uploadId,
    ];
    for (const u of edits) {
      const r = await t.http(SIGN, { f: up.fileId, u, n: [1, 2] }, alice);
      expect(codes(r.body), u.slice(0, 40)).toEqual(["BAD_USER_INPUT"]);
      expect(JSON.stringify(r.body)).not.toContain("X-Amz-Signature");
      const done = [
        { partNumber: 1, etag: `"${"a".repeat(32)}"` },
        { partNumber: 2, etag: `"${"b".repeat(32)}"` },
      ];
      expect(codes(await t.exec(COMPLETE, { f: up.fileId, u, p: done }, alice))).toEqual([
        "BAD_USER_INPUT",
      ]);
    }
    // The untouched handle still works, and signs exactly the declared lengths.
    const parts = await sign(alice, up, [1, 2]);
    expect(parts.map((p) => p.size)).toEqual([5 * MIB, 1 * MIB]);
  });
});
