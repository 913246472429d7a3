import { describe, expect, it } from "vitest";
import {
  block,
  blocks,
  dataSource,
  resource,
  resourcesOfType,
  stringList,
  terraform,
} from "./terraform-config";

const BUCKET_ID = "${aws_s3_bucket.files.id}";
const BUCKET_ARN = "${aws_s3_bucket.files.arn}";

/** The upload ticket headers a browser sends with a presigned PUT. */
const UPLOAD_HEADERS = [
  "content-type",
  "x-amz-meta-original-name",
  "x-amz-meta-uploaded-by",
  "x-amz-checksum-sha256",
  "x-amz-sdk-checksum-algorithm",
];

describe("S3 files bucket", () => {
  it("is the only bucket; its name comes from var.bucket_name or a generated prefix", async () => {
    const cfg = await terraform();
    expect(resourcesOfType(cfg, "aws_s3_bucket").map(([a]) => a)).toEqual(["aws_s3_bucket.files"]);
    const b = resource(cfg, "aws_s3_bucket.files");
    expect(b.bucket).toBe("${var.bucket_name}");
    expect(b.bucket_prefix).toBe('${var.bucket_name == null ? "${local.name}-files-" : null}');
    expect(b.force_destroy).toBe("${var.bucket_force_destroy}");
    // The generated prefix must fit S3's 37-character bucket_prefix limit.
    const maxProject = 16;
    const maxEnvironment = 12;
    expect(
      `${"p".repeat(maxProject)}-${"e".repeat(maxEnvironment)}-files-`.length,
    ).toBeLessThanOrEqual(37);
  });

  it("every bucket setting targets this bucket", async () => {
    const cfg = await terraform();
    for (const type of [
      "aws_s3_bucket_public_access_block",
      "aws_s3_bucket_ownership_controls",
      "aws_s3_bucket_server_side_encryption_configuration",
      "aws_s3_bucket_versioning",
      "aws_s3_bucket_policy",
      "aws_s3_bucket_cors_configuration",
      "aws_s3_bucket_lifecycle_configuration",
    ]) {
      const all = resourcesOfType(cfg, type);
      expect(all, type).toHaveLength(1);
      expect(all[0]?.[1].bucket, type).toBe(BUCKET_ID);
    }
  });

  it("blocks all public access (all four settings)", async () => {
    const pab = resource(await terraform(), "aws_s3_bucket_public_access_block.files");
    expect(pab.block_public_acls).toBe(true);
    expect(pab.block_public_policy).toBe(true);
    expect(pab.ignore_public_acls).toBe(true);
    expect(pab.restrict_public_buckets).toBe(true);
  });

  it("disables ACLs (BucketOwnerEnforced)", async () => {
    const oc = resource(await terraform(), "aws_s3_bucket_ownership_controls.files");
    expect(block(oc, "rule").object_ownership).toBe("BucketOwnerEnforced");
  });

  it("encrypts at rest with SSE-S3 (AES256)", async () => {
    const sse = resource(
      await terraform(),
      "aws_s3_bucket_server_side_encryption_configuration.files",
    );
    const byDefault = block(block(sse, "rule"), "apply_server_side_encryption_by_default");
    expect(byDefault.sse_algorithm).toBe("AES256");
  });

  it("enables versioning", async () => {
    const v = resource(await terraform(), "aws_s3_bucket_versioning.files");
    expect(block(v, "versioning_configuration").status).toBe("Enabled");
  });
});

describe("bucket policy", () => {
  it("is the policy document, applied after Block Public Access", async () => {
    const cfg = await terraform();
    const p = resource(cfg, "aws_s3_bucket_policy.files");
    expect(p.policy).toBe("${data.aws_iam_policy_document.files_bucket.json}");
    expect(p.depends_on).toContain("${aws_s3_bucket_public_access_block.files}");
  });

  it("denies non-TLS requests to the bucket and every object", async () => {
    const doc = dataSource(await terraform(), "aws_iam_policy_document.files_bucket");
    const statements = blocks(doc, "statement");
    const denyTls = statements.filter((s) =>
      blocks(s, "condition").some(
        (c) =>
          c.test === "Bool" &&
          c.variable === "aws:SecureTransport" &&
          JSON.stringify(c.values) === '["false"]',
      ),
    );
    expect(denyTls).toHaveLength(1);
    const s = denyTls[0] ?? {};
    expect(s.effect).toBe("Deny");
    expect(stringList(s, "actions")).toEqual(["s3:*"]);
    expect(stringList(s, "resources").sort()).toEqual([BUCKET_ARN, `${BUCKET_ARN}/*`].sort());
    const principals = block(s, "principals");
    expect(principals.type).toBe("*");
    expect(principals.identifiers).toEqual(["*"]);
  });

  it("only denies: nothing in the bucket policy grants access", async () => {
    const doc = dataSource(await terraform(), "aws_iam_policy_document.files_bucket");
    for (const s of blocks(doc, "statement")) expect(s.effect).toBe("Deny");
  });
});

describe("bucket CORS", () => {
  const rules = async () =>
    blocks(resource(await terraform(), "aws_s3_bucket_cors_configuration.files"), "cors_rule");

  it("has one rule for the app's origins", async () => {
    const r = await rules();
    expect(r).toHaveLength(1);
    expect(r[0]?.allowed_origins).toBe("${var.allowed_origins}");
  });

  it("allows exactly PUT, GET and HEAD", async () => {
    const r = (await rules())[0] ?? {};
    expect(stringList(r, "allowed_methods").sort()).toEqual(["GET", "HEAD", "PUT"]);
  });

  it("allows every header an upload ticket makes the browser send, and no wildcard", async () => {
    const allowed = stringList((await rules())[0] ?? {}, "allowed_headers");
    for (const h of UPLOAD_HEADERS) expect(allowed).toContain(h);
    expect(allowed).not.toContain("*");
    expect(allowed.every((h) => h === h.toLowerCase())).toBe(true);
  });

  it("exposes ETag (multipart uploads need each part's ETag)", async () => {
    const r = (await rules())[0] ?? {};
    expect(stringList(r, "expose_headers")).toContain("ETag");
  });
});

describe("bucket lifecycle", () => {
  const lifecycle = async () =>
    resource(await terraform(), "aws_s3_bucket_lifecycle_configuration.files");

  const wholeBucketRules = async () =>
    blocks(await lifecycle(), "rule").filter((r) => {
      // Every rule applies to the whole bucket (an empty prefix filter) and is enabled.
      const f = blocks(r, "filter");
      return r.status === "Enabled" && f.length === 1 && f[0]?.prefix === "";
    });

  it("every rule is enabled and covers the whole bucket", async () => {
    const all = blocks(await lifecycle(), "rule");
    expect(all.length).toBeGreaterThan(0);
    expect(await wholeBucketRules()).toHaveLength(all.length);
  });

  it("aborts incomplete multipart uploads after var.multipart_abort_days", async () => {
    const r = (await wholeBucketRules()).flatMap((x) =>
      blocks(x, "abort_incomplete_multipart_upload"),
    );
    expect(r).toEqual([{ days_after_initiation: "${var.multipart_abort_days}" }]);
  });

  it("expires noncurrent versions after var.noncurrent_version_expiration_days", async () => {
    const r = (await wholeBucketRules()).flatMap((x) => blocks(x, "noncurrent_version_expiration"));
    expect(r).toEqual([{ noncurrent_days: "${var.noncurrent_version_expiration_days}" }]);
  });

  it("is applied after versioning is configured", async () => {
    expect((await lifecycle()).depends_on).toContain("${aws_s3_bucket_versioning.files}");
  });
});
