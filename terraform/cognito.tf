# Identity. Customers' Cognito username is their customer id (a lowercase slug) and their
# immutable custom:customer_id attribute equals it; admins are "admin.<hex>". Users sign in
# with their email address through the API only: the API resolves email -> user with
# ListUsers and runs the password flow with the app client's secret, which only it holds.

resource "aws_cognito_user_pool" "main" {
  name                = "${local.name}-users"
  user_pool_tier      = var.cognito_user_pool_tier
  deletion_protection = var.cognito_deletion_protection ? "ACTIVE" : "INACTIVE"

  # Sign-in by username or by (verified) email alias. Not username_attributes: the username
  # must stay the customer id.
  alias_attributes         = ["email"]
  auto_verified_attributes = ["email"]

  # An email address a user changes counts only once verified; until then Cognito keeps the
  # old, verified one. (Users cannot write email through the app client anyway, see below.)
  user_attribute_update_settings {
    attributes_require_verification_before_update = ["email"]
  }

  # Authenticator-app (TOTP) MFA, per user. The API requires it of admins (ADMIN_MFA in
  # api.tf) and lets customers opt in.
  mfa_configuration = "OPTIONAL"

  software_token_mfa_configuration {
    enabled = true
  }

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

  # custom:revoked_at: epoch seconds before which every session of the user is void (the API
  # compares it with a token's auth_time). Written by the API on a reset, disable, password
  # change or sign-out everywhere; readable and writable by no app client.
  schema {
    name                     = "revoked_at"
    attribute_data_type      = "String"
    mutable                  = true
    required                 = false
    developer_only_attribute = false

    string_attribute_constraints {
      min_length = "0"
      max_length = "20"
    }
  }

  # custom:link_hash: the hash of the one pending invitation or reset link (a newer link, a
  # reset or a completed setup replaces it, so older links fail). Written by the API only.
  schema {
    name                     = "link_hash"
    attribute_data_type      = "String"
    mutable                  = true
    required                 = false
    developer_only_attribute = false

    string_attribute_constraints {
      min_length = "0"
      max_length = "200"
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

# The app client the API signs users in with (signIn, completeNewPassword, refreshTokens).
# Confidential: Cognito generates a secret, the API sends SECRET_HASH with every call, and the
# secret reaches only the function (through the SSM parameter in secrets.tf). Without it nobody
# can run the password flow against the pool directly, bypassing the API's throttling and
# checks. The web app talks to the API, never to Cognito.
resource "aws_cognito_user_pool_client" "web" {
  name         = "${local.name}-api"
  user_pool_id = aws_cognito_user_pool.main.id

  generate_secret = true
  # Exactly the password flow the API runs and refresh; no SRP (nothing uses it).
  explicit_auth_flows = [
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
  ]
  supported_identity_providers         = ["COGNITO"]
  allowed_oauth_flows_user_pool_client = false

  # Same error for "no such user" and "wrong password".
  prevent_user_existence_errors = "ENABLED"
  enable_token_revocation       = true

  access_token_validity  = var.access_token_validity_minutes
  id_token_validity      = var.id_token_validity_minutes
  refresh_token_validity = var.refresh_token_validity_days
  # Minutes to answer a challenge (new password, MFA code) after the first sign-in step.
  auth_session_validity = 3

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
  # Users can write nothing the API relies on: not email (sign-in resolves users by it), not
  # name, not custom:* (custom:customer_id is the tenant). An EMPTY list would not do: Cognito
  # then lets the client write every standard attribute. So the list names one harmless
  # preference attribute the API never reads.
  write_attributes = [
    "locale",
  ]
}
