# The GraphQL API: one Lambda function behind an HTTP API (API Gateway v2). No VPC, no NAT,
# nothing that runs (or bills) while idle.

locals {
  function_name = "${local.name}-api"

  # The routes the function serves; everything else (other methods) gets API Gateway's 404.
  # GET / and GET /{proxy+} carry the web app (served by the function itself, like `npm start`
  # does: one origin for app and API, so /graphql needs no CORS from the app); the specific
  # routes win over {proxy+}. CORS preflights (OPTIONS) from other origins are answered by the
  # HTTP API itself from cors_configuration.
  api_routes = ["POST /graphql", "GET /graphql", "GET /healthz", "GET /readyz", "GET /", "GET /{proxy+}"]

  # The API's own origin (https://<id>.execute-api.<region>.amazonaws.com, no trailing slash)
  # and where the app lives for links in emails.
  api_origin = aws_apigatewayv2_api.http.api_endpoint
  app_url    = coalesce(var.app_url, local.api_origin)
  # Every origin a browser may run the app from: the API's own, app_url's, and the extra ones.
  # The bucket's CORS rule and the API's CORS_ORIGINS take these; presigned PUT/GET from the
  # app are cross-origin requests to S3 even when the app is served by the API.
  app_origins = distinct(concat([local.api_origin, local.app_url], var.allowed_origins))
  # Those other than the API's own, which call /graphql cross-origin.
  cross_origins = distinct(concat(var.app_url == null ? [] : [var.app_url], var.allowed_origins))

  # The function's environment: what src/config.ts reads. AWS_REGION is not set here: Lambda
  # sets it itself and it is a reserved variable Lambda refuses to take from the
  # configuration. MAIL_FROM is present only when email is configured.
  lambda_environment = merge(local.lambda_environment_base, local.mail_enabled ? { MAIL_FROM = var.mail_from } : {})
  lambda_environment_base = {
    NODE_ENV = "production"
    # Stack traces in the logs point at src/*.ts lines: the zip ships lambda.mjs.map.
    NODE_OPTIONS                    = "--enable-source-maps"
    COGNITO_USER_POOL_ID            = aws_cognito_user_pool.main.id
    COGNITO_CLIENT_ID               = aws_cognito_user_pool_client.web.id
    COGNITO_CLIENT_SECRET_PARAMETER = aws_ssm_parameter.cognito_client_secret.name
    SESSION_SECRET_PARAMETER        = aws_ssm_parameter.session_secret.name
    S3_BUCKET                       = aws_s3_bucket.files.id
    CORS_ORIGINS                    = join(",", local.app_origins)
    APP_URL                         = local.app_url
    ADMIN_MFA                       = "required"
    INVITATION_TTL_HOURS            = tostring(var.invitation_ttl_hours)
    LOG_LEVEL                       = var.log_level
    USER_CACHE_TTL_SECONDS          = tostring(var.user_cache_ttl_seconds)
    UPLOAD_URL_TTL_SECONDS          = tostring(var.upload_url_ttl_seconds)
    DOWNLOAD_URL_TTL_SECONDS        = tostring(var.download_url_ttl_seconds)
    MULTIPART_WINDOW_SECONDS        = tostring(var.multipart_abort_days * 86400)
    # The playground's files (GraphiQL, React) are not in the Lambda bundle: always off here.
    GRAPHQL_PLAYGROUND    = "false"
    GRAPHQL_INTROSPECTION = tostring(var.graphql_introspection)
  }
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

  # Built by `npm run build:lambda` (src/lambda.ts -> dist/lambda/lambda.zip: the bundle, its
  # source map and the web app). The hash makes `terraform apply` deploy a rebuilt zip.
  filename         = local.lambda_zip_path
  source_code_hash = filebase64sha256(local.lambda_zip_path)
  handler          = "lambda.handler"
  runtime          = var.lambda_runtime
  architectures    = ["arm64"]
  memory_size      = var.lambda_memory_mb
  timeout          = var.lambda_timeout_seconds

  # A cap on concurrent executions (null: none); see the variable for the account quota it needs.
  reserved_concurrent_executions = var.lambda_reserved_concurrency

  # X-Ray traces of every invocation (init, invocation, overhead). HTTP APIs have no X-Ray
  # integration of their own; their access log carries the request id instead.
  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.lambda.name
  }

  environment {
    variables = local.lambda_environment
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

  # For a web app served from another origin (var.allowed_origins, app_url): the HTTP API
  # answers preflights and adds the CORS headers itself (it then ignores any the function
  # sends). The app served by the API is same-origin and needs none of this. Bearer tokens, no
  # cookies: no credentials. (The API's own origin cannot be listed here: it is this
  # resource's output.)
  dynamic "cors_configuration" {
    for_each = length(local.cross_origins) > 0 ? [local.cross_origins] : []
    content {
      allow_origins     = cors_configuration.value
      allow_methods     = ["GET", "POST", "OPTIONS"]
      allow_headers     = ["authorization", "content-type", "apollo-require-preflight", "x-request-id"]
      expose_headers    = ["x-request-id"]
      allow_credentials = false
      max_age           = 600
    }
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
