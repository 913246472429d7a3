# Inputs. Only aws_region has no default; environments/*.tfvars set the rest per environment.

# ---------------------------------------------------------------------------------------
# Naming and placement
# ---------------------------------------------------------------------------------------

variable "aws_region" {
  description = "AWS Region to deploy into, e.g. eu-west-1. Every resource (pool, bucket, function, API) lives here."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "The aws_region must be a Region code such as eu-west-1 or us-east-2."
  }
}

variable "project" {
  description = "Short name of the deployment, used as the first part of every resource name (2-16 characters: lowercase letters, digits, dashes; starts with a letter)."
  type        = string
  default     = "file-portal"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.project)) && !endswith(var.project, "-")
    error_message = "The project must be 2-16 characters of lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "environment" {
  description = "Environment name (slug), the second part of every resource name, e.g. prod, staging, dev (1-12 characters: lowercase letters, digits, dashes; starts with a letter)."
  type        = string
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,11}$", var.environment)) && !endswith(var.environment, "-")
    error_message = "The environment must be 1-12 characters of lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "tags" {
  description = "Extra tags for every resource (added to Project, Environment and ManagedBy)."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------
# Web app origins (API CORS, bucket CORS and the API's own CORS_ORIGINS)
# ---------------------------------------------------------------------------------------

variable "allowed_origins" {
  description = "Further origins of a web app that may call the API and upload to / download from the bucket, e.g. [\"http://localhost:5173\"] for a development server. The web app served by the API itself (its own origin, or app_url) is always allowed and needs no entry. Each is scheme://host[:port] with no path and no trailing slash: https, or http only for localhost / 127.0.0.1 (development)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.allowed_origins) == length(distinct(var.allowed_origins))
    error_message = "List each origin once."
  }

  validation {
    condition = alltrue([
      for o in var.allowed_origins :
      can(regex("^(https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|http://(localhost|127\\.0\\.0\\.1))(:[0-9]{1,5})?$", o))
    ])
    error_message = "Each origin must be https://host[:port] (lowercase, no path, no trailing slash), or http://localhost[:port] / http://127.0.0.1[:port] for development."
  }
}

variable "app_url" {
  description = "APP_URL: the web app's address, used in the links of invitation and reset emails (APP_URL/welcome#token=...). Null: the API's own address (the app is served by the API). Set it when a custom domain fronts the API; its origin is then allowed like allowed_origins."
  type        = string
  default     = null

  validation {
    condition     = var.app_url == null || can(regex("^https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$", var.app_url))
    error_message = "The app_url must be null or https://host[:port] (lowercase, no path, no trailing slash)."
  }
}

# ---------------------------------------------------------------------------------------
# S3 bucket
# ---------------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Exact name of the files bucket. When null, Terraform generates a unique name starting with \"<project>-<environment>-files-\"."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "The bucket_name must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and dashes, starting and ending with a letter or digit."
  }
}

variable "bucket_force_destroy" {
  description = "Allow `terraform destroy` to delete the bucket together with every object and object version in it. Keep false in production; set true (and apply) only right before a deliberate tear-down."
  type        = bool
  default     = false
}

variable "multipart_abort_days" {
  description = "Days after which S3 aborts an incomplete multipart upload and deletes its parts (parts of abandoned uploads are otherwise stored, and billed, forever)."
  type        = number
  default     = 7

  validation {
    condition     = var.multipart_abort_days >= 1 && var.multipart_abort_days <= 365 && floor(var.multipart_abort_days) == var.multipart_abort_days
    error_message = "The multipart_abort_days must be a whole number from 1 to 365."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days a replaced or deleted file version is kept (versioning is on, so deleteFile and overwrites are recoverable for this long) before S3 expires it."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && var.noncurrent_version_expiration_days <= 3650 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "The noncurrent_version_expiration_days must be a whole number from 1 to 3650."
  }
}

# ---------------------------------------------------------------------------------------
# Cognito
# ---------------------------------------------------------------------------------------

variable "cognito_deletion_protection" {
  description = "Turn on Cognito deletion protection for the user pool. While on, `terraform destroy` cannot delete the pool (and its users); set false and apply first to tear down."
  type        = bool
  default     = true
}

variable "cognito_user_pool_tier" {
  description = "Cognito feature plan: LITE, ESSENTIALS or PLUS. Everything this API uses (admin-created users, password policy, token revocation) is in LITE, the cheapest plan; AWS's own default for new pools is ESSENTIALS."
  type        = string
  default     = "LITE"

  validation {
    condition     = contains(["LITE", "ESSENTIALS", "PLUS"], var.cognito_user_pool_tier)
    error_message = "The cognito_user_pool_tier must be LITE, ESSENTIALS or PLUS."
  }
}

variable "temporary_password_validity_days" {
  description = "Days a temporary password (from createCustomer / resetCustomerPassword / create-admin) stays usable for the first sign-in."
  type        = number
  default     = 7

  validation {
    condition     = var.temporary_password_validity_days >= 1 && var.temporary_password_validity_days <= 365 && floor(var.temporary_password_validity_days) == var.temporary_password_validity_days
    error_message = "The temporary_password_validity_days must be a whole number from 1 to 365."
  }
}

variable "access_token_validity_minutes" {
  description = "Lifetime of access tokens in minutes. The API also refuses tokens issued before a user's custom:revoked_at (reset, disable, sign-out everywhere), so a lifetime bounds only what a stolen token can do."
  type        = number
  default     = 60

  validation {
    condition     = var.access_token_validity_minutes >= 5 && var.access_token_validity_minutes <= 60 && floor(var.access_token_validity_minutes) == var.access_token_validity_minutes
    error_message = "The access_token_validity_minutes must be a whole number from 5 to 60."
  }
}

variable "id_token_validity_minutes" {
  description = "Lifetime of ID tokens in minutes. The API also refuses tokens issued before a user's custom:revoked_at."
  type        = number
  default     = 60

  validation {
    condition     = var.id_token_validity_minutes >= 5 && var.id_token_validity_minutes <= 60 && floor(var.id_token_validity_minutes) == var.id_token_validity_minutes
    error_message = "The id_token_validity_minutes must be a whole number from 5 to 60."
  }
}

variable "refresh_token_validity_days" {
  description = "Lifetime of refresh tokens in days: how long a user stays signed in without typing the password again. A reset, a disable or a sign-out everywhere revokes them earlier."
  type        = number
  default     = 30

  validation {
    condition     = var.refresh_token_validity_days >= 1 && var.refresh_token_validity_days <= 3650 && floor(var.refresh_token_validity_days) == var.refresh_token_validity_days
    error_message = "The refresh_token_validity_days must be a whole number from 1 to 3650."
  }
}

# ---------------------------------------------------------------------------------------
# Lambda
# ---------------------------------------------------------------------------------------

variable "lambda_zip_path" {
  description = "Path of the API's deployment package, written by `npm run build:lambda`. Relative paths are taken from the repository root (the folder above terraform/)."
  type        = string
  default     = "dist/lambda/lambda.zip"

  validation {
    condition     = endswith(var.lambda_zip_path, ".zip")
    error_message = "The lambda_zip_path must name a .zip file."
  }
}

variable "lambda_runtime" {
  description = "Node.js runtime of the API function: nodejs24.x (supported by Lambda until April 2028) or nodejs22.x (until April 2027). nodejs20.x reached end of life in April 2026 and Lambda refuses new functions on it."
  type        = string
  default     = "nodejs24.x"

  validation {
    condition     = contains(["nodejs24.x", "nodejs22.x"], var.lambda_runtime)
    error_message = "The lambda_runtime must be nodejs24.x or nodejs22.x."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of the API function in MB; CPU is allotted in proportion (1,769 MB = one full vCPU)."
  type        = number
  default     = 512

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240 && floor(var.lambda_memory_mb) == var.lambda_memory_mb
    error_message = "The lambda_memory_mb must be a whole number from 128 to 10240."
  }
}

variable "lambda_timeout_seconds" {
  description = "Timeout of one API invocation in seconds. The HTTP API gives up after 30 seconds, so a longer timeout would only burn money."
  type        = number
  default     = 15

  validation {
    condition     = var.lambda_timeout_seconds >= 3 && var.lambda_timeout_seconds <= 30 && floor(var.lambda_timeout_seconds) == var.lambda_timeout_seconds
    error_message = "The lambda_timeout_seconds must be a whole number from 3 to 30."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Concurrent executions reserved for (and capping) the API function; null leaves it unreserved. The cap bounds cost and the Cognito/S3 request rate under a flood. Lambda keeps at least 100 executions of the account unreserved, so reserving N needs an account concurrency quota of at least 100 + N (new accounts may start lower: then use null, see README.md)."
  type        = number
  default     = 20

  validation {
    condition     = coalesce(var.lambda_reserved_concurrency, 1) >= 1 && floor(coalesce(var.lambda_reserved_concurrency, 1)) == coalesce(var.lambda_reserved_concurrency, 1)
    error_message = "The lambda_reserved_concurrency must be null or a whole number of at least 1 (0 would switch the API off)."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps every log group of the deployment (the function's logs and the HTTP API's access logs). Must be a value CloudWatch Logs accepts."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

# ---------------------------------------------------------------------------------------
# API settings (passed to the function as environment variables)
# ---------------------------------------------------------------------------------------

variable "log_level" {
  description = "LOG_LEVEL of the API: debug, info, warn, error or silent."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error", "silent"], var.log_level)
    error_message = "The log_level must be one of debug, info, warn, error, silent."
  }
}

variable "user_cache_ttl_seconds" {
  description = "USER_CACHE_TTL_SECONDS: how long the API trusts a cached Cognito user record (enabled flag, attributes) before asking Cognito again. Bounds how long a disabled user keeps access; 0 asks every time."
  type        = number
  default     = 60

  validation {
    condition     = var.user_cache_ttl_seconds >= 0 && var.user_cache_ttl_seconds <= 3600 && floor(var.user_cache_ttl_seconds) == var.user_cache_ttl_seconds
    error_message = "The user_cache_ttl_seconds must be a whole number from 0 to 3600."
  }
}

variable "upload_url_ttl_seconds" {
  description = "UPLOAD_URL_TTL_SECONDS: lifetime of presigned upload URLs. A URL also stops working when the function's temporary credentials expire, so longer values are not reliable."
  type        = number
  default     = 900

  validation {
    condition     = var.upload_url_ttl_seconds >= 60 && var.upload_url_ttl_seconds <= 3600 && floor(var.upload_url_ttl_seconds) == var.upload_url_ttl_seconds
    error_message = "The upload_url_ttl_seconds must be a whole number from 60 to 3600."
  }
}

variable "download_url_ttl_seconds" {
  description = "DOWNLOAD_URL_TTL_SECONDS: lifetime of presigned download URLs. A URL also stops working when the function's temporary credentials expire."
  type        = number
  default     = 300

  validation {
    condition     = var.download_url_ttl_seconds >= 10 && var.download_url_ttl_seconds <= 3600 && floor(var.download_url_ttl_seconds) == var.download_url_ttl_seconds
    error_message = "The download_url_ttl_seconds must be a whole number from 10 to 3600."
  }
}

variable "graphql_introspection" {
  description = "GRAPHQL_INTROSPECTION: answer introspection queries. Off in production unless turned on on purpose."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------
# HTTP API throttling (all routes, whole stage)
# ---------------------------------------------------------------------------------------

variable "api_throttling_burst_limit" {
  description = "Burst limit of the HTTP API's $default stage (requests that may arrive at once). Bounds cost and downstream load under a flood."
  type        = number
  default     = 100

  validation {
    condition     = var.api_throttling_burst_limit >= 1 && var.api_throttling_burst_limit <= 5000 && floor(var.api_throttling_burst_limit) == var.api_throttling_burst_limit
    error_message = "The api_throttling_burst_limit must be a whole number from 1 to 5000."
  }
}

variable "api_throttling_rate_limit" {
  description = "Steady-state request rate limit (requests per second) of the HTTP API's $default stage."
  type        = number
  default     = 50

  validation {
    condition     = var.api_throttling_rate_limit > 0 && var.api_throttling_rate_limit <= 10000
    error_message = "The api_throttling_rate_limit must be greater than 0 and at most 10000."
  }
}

# ---------------------------------------------------------------------------------------
# Email (invitations and password resets, sent by the API through SES)
# ---------------------------------------------------------------------------------------

variable "mail_from" {
  description = "MAIL_FROM: the address the API sends invitations and reset links from, e.g. portal@example.com. Null: no email (invitations and resets by email are refused; the temporary-password path stays). The address, or its domain (ses_identity = \"domain\"), becomes an SES identity that must be verified before SES sends."
  type        = string
  default     = null

  validation {
    condition     = var.mail_from == null || can(regex("^[A-Za-z0-9._%+-]+@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", var.mail_from))
    error_message = "The mail_from must be null or a plain email address with a lowercase domain, e.g. portal@example.com (no display name)."
  }
}

variable "ses_identity" {
  description = "What the SES sending identity is: \"address\" (verify mail_from itself: SES mails a confirmation link to it) or \"domain\" (verify mail_from's domain with DKIM: publish the three CNAME records of the ses_dkim_records output)."
  type        = string
  default     = "address"

  validation {
    condition     = contains(["address", "domain"], var.ses_identity)
    error_message = "The ses_identity must be \"address\" or \"domain\"."
  }
}

variable "invitation_ttl_hours" {
  description = "INVITATION_TTL_HOURS: how long the link of an invitation email stays valid."
  type        = number
  default     = 72

  validation {
    condition     = var.invitation_ttl_hours >= 1 && var.invitation_ttl_hours <= 720 && floor(var.invitation_ttl_hours) == var.invitation_ttl_hours
    error_message = "The invitation_ttl_hours must be a whole number from 1 to 720."
  }
}

# ---------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------

variable "session_secret_version" {
  description = "Version of the server secret (SESSION_SECRET_PARAMETER) that signs sessions, links, cursors and handles. Terraform writes a fresh random secret whenever this number grows; doing so ends every session and voids every pending link and cursor."
  type        = number
  default     = 1

  validation {
    condition     = var.session_secret_version >= 1 && floor(var.session_secret_version) == var.session_secret_version
    error_message = "The session_secret_version must be a whole number of at least 1."
  }
}

# ---------------------------------------------------------------------------------------
# Operations: alarms and the download audit trail
# ---------------------------------------------------------------------------------------

variable "alarm_email" {
  description = "Address the alarms (function errors and throttles, the HTTP API's 5xx rate) are mailed to through the alarms SNS topic. Empty: no subscription (subscribe to the topic yourself). SNS mails a confirmation link first."
  type        = string
  default     = ""

  validation {
    condition     = var.alarm_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "The alarm_email must be empty or an email address."
  }
}

variable "alarm_5xx_rate_percent" {
  description = "The HTTP API alarm fires when more than this share of requests in 5 minutes ends with a 5xx answer (counted only in 5-minute windows of at least 10 requests)."
  type        = number
  default     = 5

  validation {
    condition     = var.alarm_5xx_rate_percent > 0 && var.alarm_5xx_rate_percent <= 100
    error_message = "The alarm_5xx_rate_percent must be greater than 0 and at most 100."
  }
}

variable "access_log_expiration_days" {
  description = "Days the files bucket's server access logs (every upload, download and delete, with time, source IP and key) are kept in the log bucket before S3 expires them."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_expiration_days >= 1 && var.access_log_expiration_days <= 3650 && floor(var.access_log_expiration_days) == var.access_log_expiration_days
    error_message = "The access_log_expiration_days must be a whole number from 1 to 3650."
  }
}
