resource "aws_cloudfront_distribution" "web" {
  enabled = true
  # comment
  default_cache_behavior {
    target_origin_id        = "web"
    realtime_log_config_arn = var.realtime_log_config_arn
  }
}

variable "realtime_log_config_arn" {
  type        = string
  description = "ARN of the CloudFront real-time log config every cache behavior sends real-time logs to (CF-001)"
}
