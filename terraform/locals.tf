locals {
  # Prefix of every resource name: "<project>-<environment>", e.g. "file-portal-prod".
  name = "${var.project}-${var.environment}"

  # The zip `npm run build:lambda` writes; relative paths are taken from the repository root.
  lambda_zip_path = startswith(var.lambda_zip_path, "/") ? var.lambda_zip_path : "${path.module}/../${var.lambda_zip_path}"
}
