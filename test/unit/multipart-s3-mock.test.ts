import "reflect-metadata";
import { S3Client } from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Identity } from "../../src/auth/identity.js";
import { S3Store } from "../../src/aws/s3-store.js";
import { AppError } from "../../src/errors.js";
import { FileService } from "../../src/files/file.service.js";
import { buildKey } from "../../src/files/keys.js";
import { MultipartService, sealUploadHandle } from "../../src/files/multipart.service.js";
import { TEST_SEALER, testCursors, testIds } from "../helpers/secrets.js";
import { silentLogger } from "../../src/log.js";

/**
 * SDK-level tests: a real S3Client (serialisation, XML parsing, error decoding) whose HTTP layer
 * answers with canned S3 responses. They cover what s3rver cannot show: it has no ListParts and
 * no AbortMultipartUpload, and it completes an upload by its id alone, ignoring the key.
 */

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
}
type Reply = { status: number; body?: string; headers?: Record<string, string> };

function mockS3(reply: (req: Seen) => Reply): { client: S3Client; seen: Seen[] } {
  const seen: Seen[] = [];
  const client = new S3Client({
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
    requestHandler: {
      async handle(request: {
        method: string;
        path: string;
        query?: Record<string, string | string[] | null>;
        body?: unknown;
      }) {
        const query: Record<string, string> = {};
        for (const [k, v] of Object.entries(request.query ?? {}))
          query[k] = Array.isArray(v) ? v.join(",") : (v ?? "");
        const req: Seen = {
          method: request.method,
          path: decodeURIComponent(request.path),
          query,
          body: typeof request.body === "string" ? request.body : "",
        };
        seen.push(req);
        const r = reply(req);
        return {
          response: {
            statusCode: r.status,
            reason: "",
            headers: { "content-type": "application/xml", ...r.headers },
            body: Readable.from([Buffer.from(r.body ?? "")]),
          },
        };
      },
    } as never,
  });
  return { client, seen };
}

const s3Error = (code: string, status: number): Reply => ({
  status,
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message><RequestId>r</RequestId></Error>`,
});

const alice = {
  id: "sub-a",
  username: "alice-co",
  email: "a@example.test",
  role: "CUSTOMER",
  customerId: "alice-co",
} as Identity;
const MIB = 1024 * 1024;
const WEEK = 7 * 24 * 3600;

function setup(reply: (req: Seen) => Reply, now: () => number = Date.now) {
  const { client, seen } = mockS3(reply);
  const store = new S3Store(client, "bucket");
  const files = new FileService(
    store,
    async () => true,
    { uploadMaxBytes: 5 * 1024 ** 3, uploadUrlTtlSeconds: 900, downloadUrlTtlSeconds: 300 },
    testIds,
    testCursors,
  );
  const service = new MultipartService(
    store,
    files,
    { multipartMaxBytes: 5 * 1024 ** 4, multipartWindowSeconds: WEEK, uploadUrlTtlSeconds: 900 },
    TEST_SEALER,
    now,
  );
  const key = buildKey("CUSTOMER", "alice-co", "big.bin");
  const size = 12 * MIB;
  const handleFor = (s3UploadId: string) =>
    sealUploadHandle(TEST_SEALER, { k: key, s: size, u: s3UploadId, e: now() + WEEK * 1000 });
  return {
    service,
    seen,
    key,
    fileId: testIds.of(key),
    handle: handleFor("s3-upload-1"),
    handleFor,
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof AppError ? err.code : `raw:${String(err)}`;
  }
  return "resolved";
}

const etag = (n: number) => `"${String(n).repeat(32).slice(0, 32)}"`;
const parts = [1, 2, 3].map((partNumber) => ({ partNumber, etag: etag(partNumber) }));

describe("multipart steps against S3's own answers (SDK-level mock; s3rver lacks these)", () => {
  it("ListParts (SDK-level mock): pages through every part, sending the key and upload id", async () => {
    const page = (from: number, to: number, next: number | null) =>
      `<?xml version="1.0" encoding="UTF-8"?><ListPartsResult><Bucket>bucket</Bucket><Key>k</Key><UploadId>s3-upload-1</UploadId>` +
      `<IsTruncated>${next !== null}</IsTruncated>${next !== null ? `<NextPartNumberMarker>${next}</NextPartNumberMarker>` : ""}` +
      Array.from(
        { length: to - from + 1 },
        (_, i) =>
          `<Part><PartNumber>${from + i}</PartNumber><ETag>${etag(from + i)}</ETag><Size>${5 * MIB}</Size><LastModified>2026-11-24T10:00:00.000Z</LastModified></Part>`,
      ).join("") +
      `</ListPartsResult>`;
    const m = setup((req) =>
      req.query["part-number-marker"] === "2"
        ? { status: 200, body: page(3, 3, null) }
        : { status: 200, body: page(1, 2, 2) },
    );
    const got = await m.service.listParts(alice, m.fileId, m.handle);
    expect(got.map((p) => [p.partNumber, p.etag, p.size])).toEqual([
      [1, etag(1), 5 * MIB],
      [2, etag(2), 5 * MIB],
      [3, etag(3), 5 * MIB],
    ]);
    expect(m.seen).toHaveLength(2);
    for (const req of m.seen) {
      expect(req.method).toBe("GET");
      expect(req.path).toBe(`/${m.key}`);
      expect(req.query.uploadId).toBe("s3-upload-1");
    }
  });

  it("AbortMultipartUpload (SDK-level mock): DELETE on the caller's key with the upload id", async () => {
    const m = setup(() => ({ status: 204 }));
    expect(await m.service.abort(alice, m.fileId, m.handle, silentLogger)).toBe(true);
    expect(m.seen).toEqual([
      expect.objectContaining({
        method: "DELETE",
        path: `/${m.key}`,
        query: expect.objectContaining({ uploadId: "s3-upload-1" }),
      }),
    ]);
  });

  it("AbortMultipartUpload and ListParts (SDK-level mock): NoSuchUpload becomes NOT_FOUND", async () => {
    const m = setup(() => s3Error("NoSuchUpload", 404));
    expect(await codeOf(m.service.abort(alice, m.fileId, m.handle, silentLogger))).toBe(
      "NOT_FOUND",
    );
    expect(await codeOf(m.service.listParts(alice, m.fileId, m.handle))).toBe("NOT_FOUND");
  });

  it("a foreign upload id with the caller's own key (SDK-level mock: S3 ties ids to keys, s3rver does not): NOT_FOUND, never a 5xx", async () => {
    const m = setup(() => s3Error("NoSuchUpload", 404));
    const foreign = m.handleFor("bobs-upload-id");
    expect(await codeOf(m.service.complete(alice, m.fileId, foreign, parts, silentLogger))).toBe(
      "NOT_FOUND",
    );
    expect(m.seen[0]).toMatchObject({
      method: "POST",
      path: `/${m.key}`,
      query: { uploadId: "bobs-upload-id" },
    });
    // The parts go to S3 ascending, ETags quoted.
    expect(m.seen[0]!.body).toContain(`<PartNumber>1</PartNumber>`);
  });

  it("CompleteMultipartUpload (SDK-level mock): InvalidPart, InvalidPartOrder, EntityTooSmall → BAD_USER_INPUT; throttling → SERVICE_UNAVAILABLE", async () => {
    for (const [code, status, expected] of [
      ["InvalidPart", 400, "BAD_USER_INPUT"],
      ["InvalidPartOrder", 400, "BAD_USER_INPUT"],
      ["EntityTooSmall", 400, "BAD_USER_INPUT"],
      ["SlowDown", 503, "SERVICE_UNAVAILABLE"],
    ] as const) {
      const m = setup(() => s3Error(code, status));
      expect(await codeOf(m.service.complete(alice, m.fileId, m.handle, parts, silentLogger))).toBe(
        expected,
      );
    }
  });

  it("CompleteMultipartUpload (SDK-level mock): S3's 200-with-error body is an error too", async () => {
    const m = setup(() => ({
      status: 200,
      body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidPart</Code><Message>x</Message></Error>`,
    }));
    expect(await codeOf(m.service.complete(alice, m.fileId, m.handle, parts, silentLogger))).toBe(
      "BAD_USER_INPUT",
    );
  });

  it("stops signing and completing once the upload's window has passed; abort still works", async () => {
    let now = Date.now();
    const m = setup(
      () => ({ status: 204 }),
      () => now,
    );
    expect(await codeOf(m.service.sign(alice, m.fileId, m.handle, [1]))).toBe("resolved");
    // The last URL of the window lives only until the window closes.
    now += (WEEK - 60) * 1000;
    const [late] = await m.service.sign(alice, m.fileId, m.handle, [1]);
    expect(new URL(late!.url).searchParams.get("X-Amz-Expires")).toBe(
      String(Math.floor((late!.expiresAt.getTime() - now) / 1000)),
    );
    expect(Number(new URL(late!.url).searchParams.get("X-Amz-Expires"))).toBeLessThanOrEqual(60);
    now += 120 * 1000;
    expect(await codeOf(m.service.sign(alice, m.fileId, m.handle, [1]))).toBe("BAD_USER_INPUT");
    expect(await codeOf(m.service.complete(alice, m.fileId, m.handle, parts, silentLogger))).toBe(
      "BAD_USER_INPUT",
    );
    expect(m.seen).toHaveLength(0);
    expect(await m.service.abort(alice, m.fileId, m.handle, silentLogger)).toBe(true);
  });
});
