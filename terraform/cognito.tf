# Identity. Customers' Cognito username is their customer id (a lowercase slug) and their
# immutable custom:customer_id attribute equals it; admins are "admin.<hex>". Users sign in
# with their email address: the API resolves email -> user with ListUsers, and the email
# alias below lets other Cognito clients sign in by email too (the email must be verified,
# so the API creates users with email_verified = true).

resource "aws_cognito_user_pool" "main" {
  name                = "${local.name}-users"
  user_pool_tier      = var.cognito_user_pool_tier
  deletion_protection = var.cognito_deletion_protection ? "ACTIVE" : "INACTIVE"

  # Sign-in by username or by (verified) email alias. Not username_attributes: the username
  # must stay the customer id.
  alias_attributes         = ["email"]
  auto_verified_attributes = ["email"]
  mfa_configuration        = "OFF"

  username_configuration {
    case_sensitive = false
  }

  # No self sign-up: admins create customers (createCustomer) and the first admin is made
  # with `npm run create-admin`.
  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = true
    temporary_password_validity_days = var.temporary_password_validity_days
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  # Cognito's own sender: no SES setup, but a low daily quota. Switch to SES
  # (email_sending_account = "DEVELOPER") before sending many invitations.
  email_configuration {
    email_sending_account = "COGNITO_DEFAULT"
  }

  # custom:customer_id: the tenant id every authorization decision and S3 key derives from.
  # Immutable once set, and not writable by the app client (see write_attributes below),
  # so no one can move themselves into another customer's folder.
  schema {
    name                     = "customer_id"
    attribute_data_type      = "String"
    mutable                  = false
    required                 = false
    developer_only_attribute = false

    string_attribute_constraints {
      min_length = "3"
      max_length = "63"
    }
  }
}

resource "aws_cognito_user_group" "admins" {
  name         = "Admins"
  user_pool_id = aws_cognito_user_pool.main.id
  description  = "Portal administrators: manage customers and every file."
  precedence   = 1
}

resource "aws_cognito_user_group" "customers" {
  name         = "Customers"
  user_pool_id = aws_cognito_user_pool.main.id
  description  = "Customers: their own folder (customers/{customer_id}/) and general files."
  precedence   = 10
}

# The app client the API (signIn, completeNewPassword, refreshTokens) and the web app use.
# Public client (no secret): the React app can hold nothing secret.
resource "aws_cognito_user_pool_client" "web" {
  name         = "${local.name}-web"
  user_pool_id = aws_cognito_user_pool.main.id

  generate_secret = false
  explicit_auth_flows = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
  ]
  supported_identity_providers         = ["COGNITO"]
  allowed_oauth_flows_user_pool_client = false

  # Same error for "no such user" and "wrong password".
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true

  # Short-lived tokens: a disabled user's token verifies until it expires.
  access_token_validity  = var.access_token_validity_minutes
  id_token_validity      = var.id_token_validity_minutes
  refresh_token_validity = var.refresh_token_validity_days
  # Time to answer NEW_PASSWORD_REQUIRED (choose a new password) after the first sign-in.
  auth_session_validity = 10

  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }

  read_attributes = [
    "custom:customer_id",
    "email",
    "email_verified",
    "name",
  ]
  # Never custom:customer_id: a user could otherwise rewrite their own tenant id with
  # UpdateUserAttributes and their access token.
  write_attributes = [
    "email",
    "name",
  ]
}
