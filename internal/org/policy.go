// Package org audits every account of an AWS Organization: it lists the
// accounts, selects them, assumes the audit role in each member and runs the
// same engine as a single-account scan once per account, concurrently.
package org

// DefaultRoleName is the audit role assumed in each member account.
const DefaultRoleName = "CloudAssureAudit"

// AuditPolicy is the read-only permission policy of the audit role: exactly
// the policy the README documents for an audit, and the one the shipped
// CloudFormation template and Terraform module (deploy/audit-role) create.
const AuditPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "CloudAssureAudit",
      "Effect": "Allow",
      "Action": [
        "cloudfront:ListDistributions",
        "cloudfront:ListRealtimeLogConfigs",
        "kinesis:DescribeStreamSummary",
        "iam:GetRole",
        "iam:ListRolePolicies",
        "iam:GetRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:GetPolicy",
        "iam:GetPolicyVersion"
      ],
      "Resource": "*"
    }
  ]
}`
