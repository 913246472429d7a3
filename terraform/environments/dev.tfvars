# A development deployment, cheap to create and to throw away. Edit, then:
#   terraform init -reconfigure -backend-config=backend.hcl -backend-config="key=file-portal/dev.tfstate"
#   terraform apply -var-file=environments/dev.tfvars
# No secrets belong here: the two the API needs are generated into SSM (secrets.tf).

aws_region  = "eu-west-1"
environment = "dev"

# The web app's dev server and `npm start` may call this deployment too.
allowed_origins = ["http://localhost:5173", "http://localhost:4000"]

mail_from    = null
ses_identity = "address"
alarm_email  = ""

# Easy to tear down: `terraform destroy` removes the user pool and the buckets with their data.
cognito_deletion_protection = false
bucket_force_destroy        = true

# Unreserved: new accounts often have too small a concurrency quota to reserve any.
lambda_reserved_concurrency = null

# Introspection helps while building a client; off in production.
graphql_introspection = true

log_retention_days         = 14
access_log_expiration_days = 30
