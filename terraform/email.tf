# Email: the API sends invitations and password-reset links with SES v2 SendEmail from
# var.mail_from. Nothing here when mail_from is null (the API then sends no email).
#
# SES sends only from a verified identity: either the address itself (SES mails it a
# confirmation link) or its domain (DKIM: publish the CNAME records of the ses_dkim_records
# output). A new account is also in the SES sandbox: it can mail only verified addresses,
# 200 a day, until production access is granted (README.md, "Email").

locals {
  mail_enabled = var.mail_from != null
  # The identity SES checks the From address against.
  ses_identity = local.mail_enabled ? (
    var.ses_identity == "domain" ? split("@", var.mail_from)[1] : var.mail_from
  ) : null
  # Easy DKIM tokens of a domain identity (one CNAME record each).
  ses_dkim_tokens = var.ses_identity == "domain" ? flatten([
    for identity in aws_sesv2_email_identity.sender : identity.dkim_signing_attributes[0].tokens
  ]) : []
}

resource "aws_sesv2_email_identity" "sender" {
  count = local.mail_enabled ? 1 : 0

  email_identity = local.ses_identity
}
