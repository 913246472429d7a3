# Alarms: someone hears about trouble without watching dashboards. Each alarm notifies the
# alarms topic when it fires and when it clears; var.alarm_email subscribes an address to it
# (SNS mails a confirmation link first). Any other subscriber (chat, paging) can be added to
# the topic by hand.

resource "aws_sns_topic" "alarms" {
  name = "${local.name}-alarms"
  # No server-side encryption: CloudWatch cannot publish to a topic encrypted with the AWS
  # managed key aws/sns, and alarm notifications carry no data from the portal.
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]
  # Fewer requests than this in a 5-minute window never count as a 5xx rate.
  alarm_min_requests = 10
}

# Per-function alarms: any failed invocation (an unhandled exception, a timeout, a crash during
# init; GraphQL errors are answers, not function errors), and any request refused because the
# function ran at its concurrency cap (reserved concurrency or the account's quota: clients saw
# 429/503 from the HTTP API).
locals {
  lambda_alarms = {
    errors = {
      metric = "Errors"
      says   = "failed at least once in 5 minutes (exception, timeout or crash): see its log group"
    }
    throttles = {
      metric = "Throttles"
      says   = "was throttled in the last 5 minutes: raise lambda_reserved_concurrency or find the flood in the API access log"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "lambda" {
  for_each = local.lambda_alarms

  alarm_name          = "${local.function_name}-${each.key}"
  alarm_description   = "The ${local.function_name} function ${each.value.says}."
  namespace           = "AWS/Lambda"
  metric_name         = each.value.metric
  dimensions          = { FunctionName = aws_lambda_function.api.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Share of the HTTP API's answers that were 5xx (function failures, timeouts, the API's own
# SERVICE_UNAVAILABLE when Cognito or S3 struggle), over 5 minutes with enough traffic to mean
# something.
resource "aws_cloudwatch_metric_alarm" "api_5xx_rate" {
  alarm_name          = "${local.name}-http-api-5xx-rate"
  alarm_description   = "More than ${var.alarm_5xx_rate_percent}% of the HTTP API's answers were 5xx in 5 minutes (windows of at least ${local.alarm_min_requests} requests): see the function's log group and the API access log."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_5xx_rate_percent
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    label       = "5xx answers (%)"
    expression  = "IF(requests >= ${local.alarm_min_requests}, 100 * FILL(errors, 0) / requests, 0)"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "5xx"
      dimensions  = { ApiId = aws_apigatewayv2_api.http.id }
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      dimensions  = { ApiId = aws_apigatewayv2_api.http.id }
      stat        = "Sum"
      period      = 300
    }
  }
}
