# Production. Edit, then (see README.md, "Deploy"):
#   terraform init -reconfigure -backend-config=backend.hcl -backend-config="key=file-portal/prod.tfstate"
#   terraform apply -var-file=environments/prod.tfvars
# No secrets belong here: the two the API needs are generated into SSM (secrets.tf).

aws_region  = "eu-west-1"
environment = "prod"

# Invitation and reset emails (null: none). The address, or its domain with
# ses_identity = "domain", must be verified in SES before mail goes out.
mail_from    = null
ses_identity = "address"

# Alarms (function errors and throttles, HTTP API 5xx rate) are mailed here.
alarm_email = ""

# Data safety catches: keep both in production.
cognito_deletion_protection = true
bucket_force_destroy        = false

# A cap on concurrent executions; needs an account concurrency quota of at least 100 + this.
lambda_reserved_concurrency = 20

log_retention_days         = 90
access_log_expiration_days = 365
