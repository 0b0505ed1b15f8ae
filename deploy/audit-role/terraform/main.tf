# cloudassure audit role: lets the management account (or a delegated
# administrator) of an AWS Organization read, and only read, what cloudassure
# audits in this account. Apply it in every member account (for example with
# one provider alias per account, or from each account's own pipeline).
terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 4.0"
    }
  }
}

data "aws_iam_policy_document" "trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.trusted_principal]
    }
    dynamic "condition" {
      for_each = var.external_id == "" ? [] : [var.external_id]
      content {
        test     = "StringEquals"
        variable = "sts:ExternalId"
        values   = [condition.value]
      }
    }
  }
}

resource "aws_iam_role" "audit" {
  name                 = var.role_name
  path                 = var.role_path
  description          = "Read-only audit of CloudFront real-time logging by cloudassure"
  max_session_duration = 3600
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  tags                 = var.tags
}

# Exactly the read-only policy the README documents (policy.json).
resource "aws_iam_role_policy" "audit" {
  name   = "CloudAssureAudit"
  role   = aws_iam_role.audit.id
  policy = file("${path.module}/policy.json")
}
