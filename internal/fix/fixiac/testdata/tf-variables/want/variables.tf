variable "enabled" {
  type    = bool
  default = true
}

variable "realtime_log_config_arn" {
  type        = string
  description = "ARN of the CloudFront real-time log config every cache behavior sends real-time logs to (CF-001)"
}
