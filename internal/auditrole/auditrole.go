// Package auditrole holds the name and the read-only permission policy of
// the role cloudassure assumes in each member account of an Organization.
package auditrole

// Name is the default name of the audit role assumed in each member account.
const Name = "CloudAssureAudit"

// Policy is the read-only permission policy of the audit role: exactly
// the policy the README documents for an audit, and the one the shipped
// CloudFormation template and Terraform module (deploy/audit-role) create.
const Policy = `{
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
