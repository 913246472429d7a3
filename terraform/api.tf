# The GraphQL API: one Lambda function behind an HTTP API (API Gateway v2). No VPC, no NAT,
# nothing that runs (or bills) while idle.

locals {
  function_name = "${local.name}-api"

  # The routes the API serves; everything else gets API Gateway's 404. CORS preflights
  # (OPTIONS) are answered by the HTTP API itself from cors_configuration.
  api_routes = ["POST /graphql", "GET /graphql", "GET /healthz", "GET /readyz"]
}

# ---------------------------------------------------------------------------------------
# Logs
# ---------------------------------------------------------------------------------------

# Created here (not by Lambda on first run) so it has a retention and the role needs no
# logs:CreateLogGroup.
resource "aws_cloudwatch_log_group" "lambda" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${local.name}-http-api"
  retention_in_days = var.log_retention_days
}

# ---------------------------------------------------------------------------------------
# Function
# ---------------------------------------------------------------------------------------

resource "aws_lambda_function" "api" {
  function_name = local.function_name
  description   = "GraphQL API of the ${local.name} customer file portal."
  role          = aws_iam_role.api.arn

  # Built by `npm run build:lambda` (src/lambda.ts -> dist/lambda/lambda.zip). The hash makes
  # `terraform apply` deploy a rebuilt zip.
  filename         = local.lambda_zip_path
  source_code_hash = filebase64sha256(local.lambda_zip_path)
  handler          = "lambda.handler"
  runtime          = var.lambda_runtime
  architectures    = ["arm64"]
  memory_size      = var.lambda_memory_mb
  timeout          = var.lambda_timeout_seconds

  reserved_concurrent_executions = var.lambda_reserved_concurrency

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.lambda.name
  }

  # What the API's config (src/config.ts) reads. AWS_REGION is not set here: Lambda sets it
  # itself and it is a reserved variable that Lambda refuses to take from the configuration.
  environment {
    variables = {
      NODE_ENV                 = "production"
      COGNITO_USER_POOL_ID     = aws_cognito_user_pool.main.id
      COGNITO_CLIENT_ID        = aws_cognito_user_pool_client.web.id
      S3_BUCKET                = aws_s3_bucket.files.id
      CORS_ORIGINS             = join(",", var.allowed_origins)
      LOG_LEVEL                = var.log_level
      USER_CACHE_TTL_SECONDS   = tostring(var.user_cache_ttl_seconds)
      UPLOAD_URL_TTL_SECONDS   = tostring(var.upload_url_ttl_seconds)
      DOWNLOAD_URL_TTL_SECONDS = tostring(var.download_url_ttl_seconds)
      MULTIPART_WINDOW_SECONDS = tostring(var.multipart_abort_days * 86400)
      GRAPHQL_PLAYGROUND       = tostring(var.graphql_playground)
      GRAPHQL_INTROSPECTION    = tostring(var.graphql_introspection)
    }
  }

  depends_on = [
    aws_cloudwatch_log_group.lambda,
    aws_iam_role_policy.api,
  ]
}

# ---------------------------------------------------------------------------------------
# HTTP API
# ---------------------------------------------------------------------------------------

resource "aws_apigatewayv2_api" "http" {
  name          = "${local.name}-http-api"
  description   = "GraphQL API of the ${local.name} customer file portal."
  protocol_type = "HTTP"

  # The HTTP API answers preflights and adds the CORS headers itself (it then ignores any the
  # function sends). Bearer tokens, no cookies: no credentials.
  cors_configuration {
    allow_origins     = var.allowed_origins
    allow_methods     = ["GET", "POST", "OPTIONS"]
    allow_headers     = ["authorization", "content-type", "apollo-require-preflight", "x-request-id"]
    expose_headers    = ["x-request-id"]
    allow_credentials = false
    max_age           = 600
  }
}

resource "aws_apigatewayv2_integration" "lambda" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_function.api.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

resource "aws_apigatewayv2_route" "api" {
  for_each = toset(local.api_routes)

  api_id    = aws_apigatewayv2_api.http.id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.lambda.id}"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.api_throttling_burst_limit
    throttling_rate_limit  = var.api_throttling_rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      responseLatency    = "$context.responseLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
      errorMessage       = "$context.error.message"
    })
  }
}

# Lets this HTTP API (any stage and route of it, and nothing else) invoke the function.
resource "aws_lambda_permission" "http_api" {
  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}
