# Terraform and provider versions this configuration is written and tested against.
#
# - Terraform >= 1.6 (the S3 backend's use_lockfile below needs >= 1.10).
# - hashicorp/aws 6.x: the split S3 bucket resources, aws_cognito_user_pool.user_pool_tier
#   and aws_lambda_function.logging_config all exist there. Commit .terraform.lock.hcl
#   after the first `terraform init` so every apply uses the same provider build.
# - No other provider is needed: the Lambda zip is built by `npm run build:lambda`, not by
#   the archive provider.

terraform {
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Remote state (recommended for anything but a trial). State holds resource ids and
  # the Lambda's environment, so keep the state bucket private, encrypted and versioned.
  # Uncomment, fill in, then run `terraform init -migrate-state`:
  #
  # backend "s3" {
  #   bucket       = "my-terraform-state-bucket"
  #   key          = "customer-file-portal/prod.tfstate"
  #   region       = "eu-west-1"
  #   encrypt      = true
  #   use_lockfile = true # S3-native state locking (Terraform >= 1.10); no DynamoDB table
  # }
}
