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
  it("is one of two buckets (files, access logs); its name comes from var.bucket_name or a generated prefix", async () => {
    const cfg = await terraform();
    expect(
      resourcesOfType(cfg, "aws_s3_bucket")
        .map(([a]) => a)
        .sort(),
    ).toEqual(["aws_s3_bucket.access_logs", "aws_s3_bucket.files"]);
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

  it("every bucket setting targets its own bucket: files.* the files bucket, access_logs.* the log bucket", async () => {
    const cfg = await terraform();
    const settings = [
      "aws_s3_bucket_public_access_block",
      "aws_s3_bucket_ownership_controls",
      "aws_s3_bucket_server_side_encryption_configuration",
      "aws_s3_bucket_versioning",
      "aws_s3_bucket_policy",
      "aws_s3_bucket_cors_configuration",
      "aws_s3_bucket_lifecycle_configuration",
      "aws_s3_bucket_logging",
    ];
    for (const type of settings)
      for (const [address, r] of resourcesOfType(cfg, type)) {
        const name = address.split(".")[1];
        expect(r.bucket, address).toBe(`\${aws_s3_bucket.${name}.id}`);
      }
    for (const type of settings.filter((t) => t !== "aws_s3_bucket_logging"))
      expect(resource(cfg, `${type}.files`).bucket, type).toBe(BUCKET_ID);
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
    expect(r[0]?.allowed_origins).toBe("${local.app_origins}");
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

const LOGS_ID = "${aws_s3_bucket.access_logs.id}";
const LOGS_ARN = "${aws_s3_bucket.access_logs.arn}";

describe("server access logs of the files bucket (who uploaded, downloaded, deleted what)", () => {
  it("are written to the access-log bucket under files/, partitioned by day", async () => {
    const cfg = await terraform();
    const logging = resource(cfg, "aws_s3_bucket_logging.files");
    expect(logging.bucket).toBe(BUCKET_ID);
    expect(logging.target_bucket).toBe(LOGS_ID);
    expect(logging.target_prefix).toBe("${local.access_log_prefix}");
    expect(cfg.locals.get("access_log_prefix")).toBe("files/");
    expect(
      block(block(logging, "target_object_key_format"), "partitioned_prefix").partition_date_source,
    ).toBe("EventTime");
    expect(logging.depends_on).toContain("${aws_s3_bucket_policy.access_logs}");
  });

  it("the log bucket is locked down: Block Public Access, no ACLs, SSE-S3", async () => {
    const cfg = await terraform();
    const b = resource(cfg, "aws_s3_bucket.access_logs");
    expect(b.bucket_prefix).toBe("${local.name}-logs-");
    expect(b.force_destroy).toBe("${var.bucket_force_destroy}");
    const pab = resource(cfg, "aws_s3_bucket_public_access_block.access_logs");
    for (const k of [
      "block_public_acls",
      "block_public_policy",
      "ignore_public_acls",
      "restrict_public_buckets",
    ])
      expect(pab[k], k).toBe(true);
    const oc = resource(cfg, "aws_s3_bucket_ownership_controls.access_logs");
    expect(block(oc, "rule").object_ownership).toBe("BucketOwnerEnforced");
    const sse = resource(cfg, "aws_s3_bucket_server_side_encryption_configuration.access_logs");
    // SSE-S3 is the only default encryption S3 delivers server access logs into.
    expect(block(block(sse, "rule"), "apply_server_side_encryption_by_default").sse_algorithm).toBe(
      "AES256",
    );
  });

  it("expire after var.access_log_expiration_days", async () => {
    const cfg = await terraform();
    const rules = blocks(
      resource(cfg, "aws_s3_bucket_lifecycle_configuration.access_logs"),
      "rule",
    );
    expect(rules).toHaveLength(1);
    const r = rules[0] ?? {};
    expect(r.status).toBe("Enabled");
    expect(blocks(r, "filter")).toEqual([{ prefix: "" }]);
    expect(block(r, "expiration")).toEqual({ days: "${var.access_log_expiration_days}" });
  });

  it("only S3's logging service may write, and only for the files bucket of this account; TLS only", async () => {
    const cfg = await terraform();
    const policy = resource(cfg, "aws_s3_bucket_policy.access_logs");
    expect(policy.policy).toBe("${data.aws_iam_policy_document.access_logs_bucket.json}");
    expect(policy.depends_on).toContain("${aws_s3_bucket_public_access_block.access_logs}");
    const statements = blocks(
      dataSource(cfg, "aws_iam_policy_document.access_logs_bucket"),
      "statement",
    );
    const allows = statements.filter((s) => s.effect === "Allow");
    expect(allows).toHaveLength(1);
    const a = allows[0] ?? {};
    expect(stringList(a, "actions")).toEqual(["s3:PutObject"]);
    expect(stringList(a, "resources")).toEqual([`${LOGS_ARN}/\${local.access_log_prefix}*`]);
    expect(blocks(a, "principals")).toEqual([
      { type: "Service", identifiers: ["logging.s3.amazonaws.com"] },
    ]);
    expect(blocks(a, "condition")).toEqual([
      { test: "ArnLike", variable: "aws:SourceArn", values: [BUCKET_ARN] },
      {
        test: "StringEquals",
        variable: "aws:SourceAccount",
        values: ["${data.aws_caller_identity.current.account_id}"],
      },
    ]);
    const denyTls = statements.find((s) =>
      blocks(s, "condition").some((c) => c.variable === "aws:SecureTransport"),
    );
    expect(denyTls?.effect).toBe("Deny");
    expect(stringList(denyTls ?? {}, "resources").sort()).toEqual(
      [LOGS_ARN, `${LOGS_ARN}/*`].sort(),
    );
    // The function's role has no statement on the log bucket.
    const role = JSON.stringify(dataSource(cfg, "aws_iam_policy_document.api"));
    expect(role).not.toContain("access_logs");
  });
});
