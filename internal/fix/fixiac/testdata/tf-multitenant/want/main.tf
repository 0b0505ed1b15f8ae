resource "aws_cloudfront_multitenant_distribution" "saas" {
  enabled = true
  default_cache_behavior {
    target_origin_id       = "saas"
    viewer_protocol_policy = "https-only"
    realtime_log_config_arn = var.realtime_log_config_arn
  }
  cache_behavior {
    path_pattern           = "/tenant-assets/*"
    target_origin_id       = "saas"
    viewer_protocol_policy = "https-only"
    realtime_log_config_arn = var.realtime_log_config_arn
  }
}

variable "realtime_log_config_arn" {
  type        = string
  description = "ARN of the CloudFront real-time log config every cache behavior sends real-time logs to (CF-001)"
}
