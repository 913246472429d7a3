import { Sealer } from "../../src/common/sealer.js";
import { FileIds } from "../../src/files/keys.js";
import { testIds } from "../helpers/secrets.js";
import { S3Client } from "@aws-sdk/client-s3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { S3Store } from "../../src/aws/s3-store.js";
import { BadUserInputError } from "../../src/errors.js";
import { buildKey, contentDisposition, parseKey } from "../../src/files/keys.js";

/** Pieces that have broken key handling elsewhere: traversal, encoded slashes, controls. */
const NASTY = [
  "..",
  ".",
  "/",
  "\\",
  "%2F",
  "%2f",
  "%2e%2e",
  "..%2F",
  "\u0000",
  "\n",
  "\u007f",
  "\u202e",
  " ",
  "customers",
  "general",
  "globex",
];
const nastyName = fc
  .array(
    fc.oneof(
      fc.constantFrom(...NASTY),
      fc.string({ maxLength: 8 }),
      fc.string({ unit: "binary", maxLength: 8 }),
    ),
    {
      maxLength: 8,
    },
  )
  .map((parts) => parts.join(""));

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe("keys are built, never accepted (property-based)", () => {
  it("any file name yields a key inside the customer's folder, one segment, or BAD_USER_INPUT", () => {
    fc.assert(
      fc.property(nastyName, (name) => {
        let key: string;
        try {
          key = buildKey("CUSTOMER", "acme", name);
        } catch (err) {
          return err instanceof BadUserInputError;
        }
        const parsed = parseKey(key);
        const segments = key.split("/");
        return (
          parsed !== null &&
          parsed.customerId === "acme" &&
          parsed.prefix === "customers/acme/" &&
          segments.length === 4 &&
          !segments.some((s) => s === "" || s === "." || s === "..") &&
          !CONTROL.test(key) &&
          !key.includes("\\")
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("keys with empty, `.` or `..` segments, a leading slash, backslashes or control characters are refused", () => {
    const bad = fc.oneof(
      fc.constantFrom("", ".", ".."),
      fc.constantFrom("\u0000", "\n", "\u007f", "\\").map((c) => `a${c}b`),
    );
    fc.assert(
      fc.property(bad, fc.integer({ min: 0, max: 3 }), (segment, at) => {
        const parts = ["customers", "acme", "0000000000001-abcdef01", "report.pdf"];
        parts.splice(at, 0, segment);
        const key = parts.join("/");
        return parseKey(key) === null && testIds.parse(testIds.of(key)) === null;
      }),
    );
    expect(parseKey("/customers/acme/x/report.pdf")).toBeNull();
    expect(parseKey("customers/ACME/x/report.pdf")).toBeNull();
    expect(parseKey("other/acme/report.pdf")).toBeNull();
  });

  it("only an id this server issued decodes; any other string, or an edited id, is no id at all", () => {
    const id = testIds.of("customers/acme/0000000000001-abcdef01/report.pdf");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `f2_${s}`),
          // One character of a real id changed: another key, or the same key with a bad MAC.
          fc
            .tuple(
              fc.integer({ min: 0, max: id.length - 1 }),
              fc.constantFrom("A", "b", "-", "_", "."),
            )
            .map(([at, c]) => id.slice(0, at) + c + id.slice(at + 1)),
        ),
        (candidate) => {
          const parsed = testIds.parse(candidate);
          return parsed === null || (candidate === id && testIds.of(parsed.key) === candidate);
        },
      ),
      { numRuns: 2000 },
    );
    // Padding, another case or another server's secret: refused.
    expect(testIds.parse(`${id}=`)).toBeNull();
    expect(testIds.parse(id.replace("f2_", "F2_"))).toBeNull();
    expect(new FileIds(new Sealer(Buffer.alloc(32, 1))).parse(id)).toBeNull();
    // The id of another tenant's key made without the secret (the old unsigned form) is refused.
    const body = Buffer.from("customers/globex/0000000000001-abcdef01/report.pdf").toString(
      "base64url",
    );
    expect(testIds.parse(`f1_${body}`)).toBeNull();
    expect(testIds.parse(`f2_${body}.${"A".repeat(22)}`)).toBeNull();
  });

  it("presigned URLs carry the key exactly: `%2F` and `..` in a name stay literal characters of one segment", async () => {
    const store = new S3Store(
      new S3Client({
        region: "us-east-1",
        endpoint: "http://127.0.0.1:9",
        forcePathStyle: true,
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      }),
      "bucket",
    );
    await fc.assert(
      fc.asyncProperty(nastyName, async (name) => {
        let key: string;
        try {
          key = buildKey("CUSTOMER", "acme", name);
        } catch {
          return true;
        }
        const put = await store.presignPut({
          key,
          contentType: "application/pdf",
          contentLength: 10,
          metadata: {},
          expiresIn: 60,
        });
        const get = await store.presignGet(key, contentDisposition(parseKey(key)!.name), 60);
        for (const url of [put.url, get]) {
          const segments = new URL(url).pathname.split("/").slice(1).map(decodeURIComponent);
          if (segments.join("/") !== `bucket/${key}` || segments.length !== 5) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
