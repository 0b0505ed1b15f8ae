variable "log_arn" {
  type    = string
  default = ""
}

resource "aws_cloudfront_distribution" "this" {
  enabled = true
  default_cache_behavior {
    target_origin_id        = "cdn"
    realtime_log_config_arn = var.log_arn
  }
  ordered_cache_behavior {
    path_pattern            = "/raw/*"
    target_origin_id        = "cdn"
    realtime_log_config_arn = var.log_arn
  }
}
