# Terraform and provider versions this configuration is written and tested against.
#
# - Terraform >= 1.11: the session secret is written with a write-only argument
#   (aws_ssm_parameter.value_wo) from an ephemeral resource, so it never enters the state or a
#   plan (write-only arguments arrived in 1.11; the S3 backend's use_lockfile in 1.10).
# - hashicorp/aws >= 6.19: the first release whose aws_lambda_function accepts the nodejs24.x
#   runtime (earlier ones refuse it at plan time). Commit .terraform.lock.hcl after the first
#   `terraform init` so every apply uses the same provider build.
# - No other provider: the Lambda zip is built by `npm run build:lambda` (not the archive
#   provider) and the session secret comes from Secrets Manager's GetRandomPassword (not the
#   random provider).

terraform {
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.19"
    }
  }

  # Remote state in S3, locked with S3's own lock file (no DynamoDB table). The bucket, key and
  # Region come from a partial configuration file: copy backend.hcl.example to backend.hcl and
  # run `terraform init -backend-config=backend.hcl` (see README.md, "State").
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
