output "role_arn" {
  description = "ARN of the audit role"
  value       = aws_iam_role.audit.arn
}
