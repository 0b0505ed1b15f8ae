variable "trusted_principal" {
  description = "Who may assume the role: the account ID of the management account or delegated administrator that runs `cloudassure scan aws --org`, or the ARN of one of its roles or users."
  type        = string
  validation {
    condition     = can(regex("^(\\d{12}|arn:aws[a-z-]*:iam::\\d{12}:(root|role/.+|user/.+))$", var.trusted_principal))
    error_message = "trusted_principal must be a 12-digit account ID or an IAM principal ARN."
  }
}

variable "external_id" {
  description = "Optional external ID the caller must pass (cloudassure --external-id); empty for none."
  type        = string
  default     = ""
  sensitive   = true
}

variable "role_name" {
  description = "Name of the role (cloudassure --role-name)."
  type        = string
  default     = "CloudAssureAudit"
}

variable "role_path" {
  description = "Path of the role (cloudassure --role-path)."
  type        = string
  default     = "/"
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
}
