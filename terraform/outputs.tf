# None of these are secrets: pool and client ids and the bucket name are visible to any
# browser that uses the app.

output "api_url" {
  description = "Base URL of the HTTP API (no trailing slash)."
  value       = aws_apigatewayv2_api.http.api_endpoint
}

output "graphql_url" {
  description = "GraphQL endpoint for the web app and for GraphQL clients."
  value       = "${aws_apigatewayv2_api.http.api_endpoint}/graphql"
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
  description = "Cognito app client id (COGNITO_CLIENT_ID); a public client without a secret."
  value       = aws_cognito_user_pool_client.web.id
}

output "bucket_name" {
  description = "Name of the files bucket (S3_BUCKET)."
  value       = aws_s3_bucket.files.id
}

output "lambda_function_name" {
  description = "Name of the API function (for logs: aws logs tail /aws/lambda/<name> --follow)."
  value       = aws_lambda_function.api.function_name
}

locals {
  # KEY=value lines (dotenv format). Load into a shell with: set -a; . ./file; set +a
  api_env = <<-EOT
    AWS_REGION=${var.aws_region}
    COGNITO_USER_POOL_ID=${aws_cognito_user_pool.main.id}
    COGNITO_CLIENT_ID=${aws_cognito_user_pool_client.web.id}
    S3_BUCKET=${aws_s3_bucket.files.id}
    CORS_ORIGINS=${join(",", var.allowed_origins)}
  EOT
  web_env = <<-EOT
    VITE_GRAPHQL_URL=${aws_apigatewayv2_api.http.api_endpoint}/graphql
    VITE_AWS_REGION=${var.aws_region}
    VITE_COGNITO_USER_POOL_ID=${aws_cognito_user_pool.main.id}
    VITE_COGNITO_CLIENT_ID=${aws_cognito_user_pool_client.web.id}
  EOT
}

output "env" {
  description = "Environment variables as KEY=value lines. api: for `npm start` / `npm run create-admin` on your machine against this deployment (run with your own AWS credentials). web: for the React app."
  value = {
    api = local.api_env
    web = local.web_env
  }
}

output "api_env" {
  description = "Same as env.api, as a plain string: terraform output -raw api_env > ../.env.aws"
  value       = local.api_env
}

output "web_env" {
  description = "Same as env.web, as a plain string: terraform output -raw web_env > <web app>/.env.production.local"
  value       = local.web_env
}
