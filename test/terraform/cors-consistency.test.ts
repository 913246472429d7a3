import { testCursors, testIds } from "../helpers/secrets.js";
import { S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Identity } from "../../src/auth/identity.js";
import { S3Store } from "../../src/aws/s3-store.js";
import { FileService } from "../../src/files/file.service.js";
import { FileScope } from "../../src/files/file.types.js";
import { silentLogger } from "../../src/log.js";
import { block, resource, stringList, terraform } from "./terraform-config";

/**
 * Code ↔ bucket CORS: the tickets the API really issues (built by FileService with the SDK's
 * presigner; presigning makes no network call) name headers the browser must send, and the
 * bucket's CORS rule in terraform/s3.tf must allow every one of them, or browsers' preflights fail.
 */
const s3 = new S3Client({
  region: "eu-west-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});
const files = new FileService(
  new S3Store(s3, "portal-files"),
  async () => true,
  { uploadMaxBytes: 5 * 1024 ** 3, uploadUrlTtlSeconds: 900, downloadUrlTtlSeconds: 300 },
  testIds,
  testCursors,
);
const admin = {
  role: "ADMIN",
  customerId: null,
  username: "admin.x",
  email: "a@example.com",
} as unknown as Identity;
const customer = {
  role: "CUSTOMER",
  customerId: "acme",
  username: "acme",
  email: "c@example.com",
} as unknown as Identity;

async function ticketHeaderNames(): Promise<string[]> {
  const checksum = createHash("sha256").update("x").digest("base64");
  const tickets = await Promise.all([
    files.requestUpload(
      admin,
      { filename: "a.pdf", contentType: "application/pdf", size: 10, scope: FileScope.GENERAL },
      silentLogger,
    ),
    files.requestUpload(
      customer,
      { filename: "b.pdf", contentType: "application/pdf", size: 10, checksumSha256: checksum },
      silentLogger,
    ),
  ]);
  return [...new Set(tickets.flatMap((t) => t.headers.map((h) => h.name.toLowerCase())))].sort();
}

describe("consistency between upload tickets and the bucket's CORS rule", () => {
  it("allows, in terraform/s3.tf, every header the API's upload tickets ask browsers to send", async () => {
    const names = await ticketHeaderNames();
    // The tickets must name their headers at all, or this check would prove nothing.
    expect(names).toEqual(
      expect.arrayContaining(["content-type", "x-amz-checksum-sha256", "x-amz-meta-original-name"]),
    );
    const cfg = await terraform();
    const rule = block(resource(cfg, "aws_s3_bucket_cors_configuration.files"), "cors_rule");
    const allowed = stringList(rule, "allowed_headers").map((h) => h.toLowerCase());
    expect(names.filter((n) => !allowed.includes(n))).toEqual([]);
    expect(stringList(rule, "allowed_methods")).toContain("PUT");
  });
});
