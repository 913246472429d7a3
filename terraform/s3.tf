# The files bucket. Keys: customers/{customerId}/... and general/... only; browsers upload
# and download with presigned URLs the API hands out, never through the API itself.

resource "aws_s3_bucket" "files" {
  bucket        = var.bucket_name
  bucket_prefix = var.bucket_name == null ? "${local.name}-files-" : null
  force_destroy = var.bucket_force_destroy
}

# Nothing in this bucket is ever public: all four Block Public Access settings.
resource "aws_s3_bucket_public_access_block" "files" {
  bucket = aws_s3_bucket.files.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs disabled: the bucket owner owns every object, whoever uploaded it.
resource "aws_s3_bucket_ownership_controls" "files" {
  bucket = aws_s3_bucket.files.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# SSE-S3 (AES256): encrypted at rest with no key policy or grants to manage, and presigned
# URLs keep working for any holder. For a customer managed KMS key instead, set
# sse_algorithm = "aws:kms", kms_master_key_id = <key arn> and bucket_key_enabled = true, and
# grant the Lambda role kms:GenerateDataKey and kms:Decrypt on that key (in iam.tf, and add
# them to the mapping in test/terraform/aws-operations.ts).
resource "aws_s3_bucket_server_side_encryption_configuration" "files" {
  bucket = aws_s3_bucket.files.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Versioning: an overwritten or deleted file can be restored for
# var.noncurrent_version_expiration_days days (see the lifecycle rules below).
resource "aws_s3_bucket_versioning" "files" {
  bucket = aws_s3_bucket.files.id

  versioning_configuration {
    status = "Enabled"
  }
}

# Deny every request that does not use TLS (1.2 or later), for the bucket and its objects.
data "aws_iam_policy_document" "files_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.files.arn,
      "${aws_s3_bucket.files.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid     = "DenyOutdatedTls"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.files.arn,
      "${aws_s3_bucket.files.arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }
}

resource "aws_s3_bucket_policy" "files" {
  bucket = aws_s3_bucket.files.id
  policy = data.aws_iam_policy_document.files_bucket.json

  # A policy put before Block Public Access is in place can race with it.
  depends_on = [aws_s3_bucket_public_access_block.files]
}

# Browsers talk to the bucket directly, from the web app's origins only (the API's own origin,
# where the function serves the app, plus app_url and allowed_origins; api.tf):
# PUT for uploads (single and multipart parts), GET and HEAD for downloads.
resource "aws_s3_bucket_cors_configuration" "files" {
  bucket = aws_s3_bucket.files.id

  cors_rule {
    allowed_origins = local.app_origins
    allowed_methods = ["PUT", "GET", "HEAD"]
    # Headers an upload ticket tells the browser to send (content-length is the browser's own).
    allowed_headers = [
      "content-type",
      "x-amz-meta-original-name",
      "x-amz-meta-uploaded-by",
      "x-amz-checksum-sha256",
      "x-amz-sdk-checksum-algorithm",
    ]
    # Multipart uploads need each part's ETag to complete the upload.
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "files" {
  bucket = aws_s3_bucket.files.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {
      prefix = ""
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.multipart_abort_days
    }
  }

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
  }

  rule {
    id     = "remove-expired-delete-markers"
    status = "Enabled"

    filter {
      prefix = ""
    }

    expiration {
      expired_object_delete_marker = true
    }
  }

  # Lifecycle rules on noncurrent versions need versioning to be configured first.
  depends_on = [aws_s3_bucket_versioning.files]
}
