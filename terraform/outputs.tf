# None of these are secrets: pool and client ids, names and URLs are visible to anyone who
# uses the app or the account's console. The two secrets stay in SSM (secrets.tf).

output "api_url" {
  description = "Base URL of the API and the web app (no trailing slash): open it in a browser, or check the deployment with `npm run smoke -- --url <api_url> --admin-email <email>`."
  value       = local.api_origin
}

output "graphql_url" {
  description = "GraphQL endpoint, for GraphQL clients."
  value       = "${local.api_origin}/graphql"
}

output "app_url" {
  description = "Where invitation and reset links point (APP_URL): app_url, or the API's own address."
  value       = local.app_url
}

output "region" {
  description = "AWS Region everything was deployed to."
  value       = var.aws_region
}

output "user_pool_id" {
  description = "Cognito user pool id (COGNITO_USER_POOL_ID)."
  value       = aws_cognito_user_pool.main.id
}

output "user_pool_client_id" {
  description = "Cognito app client id (COGNITO_CLIENT_ID); a confidential client whose secret is in the SSM parameter cognito_client_secret_parameter."
  value       = aws_cognito_user_pool_client.web.id
}

output "bucket_name" {
  description = "Name of the files bucket (S3_BUCKET)."
  value       = aws_s3_bucket.files.id
}

output "access_log_bucket_name" {
  description = "Bucket holding the files bucket's server access logs (who downloaded what, under files/)."
  value       = aws_s3_bucket.access_logs.id
}

output "lambda_function_name" {
  description = "Name of the API function (for logs: aws logs tail /aws/lambda/<name> --follow)."
  value       = aws_lambda_function.api.function_name
}

output "alarm_topic_arn" {
  description = "SNS topic the alarms notify; subscribe more endpoints to it."
  value       = aws_sns_topic.alarms.arn
}

output "session_secret_parameter" {
  description = "Name of the SSM SecureString holding the API's server secret (SESSION_SECRET_PARAMETER); the value is not in the state."
  value       = aws_ssm_parameter.session_secret.name
}

output "cognito_client_secret_parameter" {
  description = "Name of the SSM SecureString holding the app client's secret (COGNITO_CLIENT_SECRET_PARAMETER)."
  value       = aws_ssm_parameter.cognito_client_secret.name
}

output "ses_identity" {
  description = "The SES identity the API sends from (mail_from or its domain); null without mail_from. It must be verified before SES sends."
  value       = one(aws_sesv2_email_identity.sender[*].email_identity)
}

output "ses_dkim_records" {
  description = "For a domain identity (ses_identity = \"domain\"): the CNAME records to publish in the domain's DNS before SES sends, as name -> value. Empty otherwise."
  value = {
    for token in local.ses_dkim_tokens :
    "${token}._domainkey.${local.ses_identity}" => "${token}.dkim.amazonses.com"
  }
}

locals {
  # KEY=value lines (dotenv format) for `npm run create-admin` and `npm start` on your machine
  # against this deployment, with your own AWS credentials. Load with: set -a; . ./file; set +a
  api_env = <<-EOT
    AWS_REGION=${var.aws_region}
    COGNITO_USER_POOL_ID=${aws_cognito_user_pool.main.id}
    COGNITO_CLIENT_ID=${aws_cognito_user_pool_client.web.id}
    COGNITO_CLIENT_SECRET_PARAMETER=${aws_ssm_parameter.cognito_client_secret.name}
    SESSION_SECRET_PARAMETER=${aws_ssm_parameter.session_secret.name}
    S3_BUCKET=${aws_s3_bucket.files.id}
    CORS_ORIGINS=${join(",", local.app_origins)}
  EOT
}

output "api_env" {
  description = "Environment for `npm run create-admin` and `npm start` on your machine against this deployment: terraform output -raw api_env > ../.env.aws"
  value       = local.api_env
}
