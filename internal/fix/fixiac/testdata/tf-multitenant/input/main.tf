resource "aws_cloudfront_multitenant_distribution" "saas" {
  enabled = true
  default_cache_behavior {
    target_origin_id       = "saas"
    viewer_protocol_policy = "https-only"
  }
  cache_behavior {
    path_pattern           = "/tenant-assets/*"
    target_origin_id       = "saas"
    viewer_protocol_policy = "https-only"
    realtime_log_config_arn = null
  }
}
