# The API function's execution role: least privilege, one inline policy, no managed policies.
#
# The Allow actions below are exactly the IAM actions behind the AWS SDK commands the code
# in src/ sends (test/terraform/iam-consistency.test.ts maps one to the other and fails on
# any difference). When the code starts sending a new command, add the action here and the
# command to the mapping in test/terraform/aws-operations.ts.

data "aws_iam_policy_document" "lambda_assume_role" {
  statement {
    sid     = "LambdaServiceAssumesRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "api" {
  name               = "${local.name}-api"
  description        = "Execution role of the ${local.name} GraphQL API function."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

data "aws_iam_policy_document" "api" {
  # Objects: only under the two key prefixes the API ever builds.
  # PutObject covers PutObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload;
  # GetObject covers GetObject and HeadObject.
  statement {
    sid    = "FilesObjects"
    effect = "Allow"
    actions = [
      "s3:PutObject",
      "s3:GetObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = [
      "${aws_s3_bucket.files.arn}/customers/*",
      "${aws_s3_bucket.files.arn}/general/*",
    ]
  }

  # Listing (ListObjectsV2, also the readiness probe with Prefix "general/"), limited to the
  # same prefixes. Note: without an unconditional s3:ListBucket, S3 answers a GetObject or
  # HeadObject of a missing key with 403 AccessDenied instead of 404 NotFound, so code that
  # looks up a key that may not exist must read 403 as "not found" too.
  statement {
    sid       = "FilesList"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.files.arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["customers/*", "general/*"]
    }
  }

  # Cognito admin API calls, on this user pool only. (InitiateAuth, RespondToAuthChallenge,
  # ChangePassword and the TOTP calls are public calls authorised by the app client's secret or
  # the user's own token, not by IAM.)
  statement {
    sid    = "UserPoolAdmin"
    effect = "Allow"
    actions = [
      "cognito-idp:AdminCreateUser",
      "cognito-idp:AdminGetUser",
      "cognito-idp:AdminUpdateUserAttributes",
      "cognito-idp:AdminDisableUser",
      "cognito-idp:AdminEnableUser",
      "cognito-idp:AdminSetUserPassword",
      "cognito-idp:AdminDeleteUser",
      "cognito-idp:AdminAddUserToGroup",
      "cognito-idp:AdminUserGlobalSignOut",
      "cognito-idp:ListUsers",
      "cognito-idp:ListUsersInGroup",
      "cognito-idp:DescribeUserPool",
    ]
    resources = [aws_cognito_user_pool.main.arn]
  }

  # The two secrets, read once at start (secrets.tf). SecureStrings under the AWS managed key
  # aws/ssm decrypt for any principal allowed to read the parameter: no KMS grant needed.
  statement {
    sid     = "ReadSecrets"
    effect  = "Allow"
    actions = ["ssm:GetParameters"]
    resources = [
      aws_ssm_parameter.session_secret.arn,
      aws_ssm_parameter.cognito_client_secret.arn,
    ]
  }

  # Invitation and reset emails, from the sender identity only (email.tf); absent without
  # mail_from.
  dynamic "statement" {
    for_each = aws_sesv2_email_identity.sender
    content {
      sid       = "SendEmail"
      effect    = "Allow"
      actions   = ["ses:SendEmail"]
      resources = [statement.value.arn]
    }
  }

  # The function's own log streams (the log group is created in api.tf).
  statement {
    sid    = "OwnLogs"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = ["${aws_cloudwatch_log_group.lambda.arn}:log-stream:*"]
  }

  # Active tracing: the Lambda service sends the function's trace segments with the role's
  # credentials. X-Ray has no resource-level permissions for these two actions.
  statement {
    sid    = "Tracing"
    effect = "Allow"
    actions = [
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "api" {
  name   = "${local.name}-api"
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.api.json
}
