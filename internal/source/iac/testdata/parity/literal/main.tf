resource "aws_cloudfront_distribution" "site" {
  enabled = false
  default_cache_behavior {
    target_origin_id        = "site"
    viewer_protocol_policy  = "https-only"
    realtime_log_config_arn = "arn:aws:cloudfront::111122223333:realtime-log-config/shared"
  }
  ordered_cache_behavior {
    path_pattern            = "/a/*"
    target_origin_id        = "site"
    viewer_protocol_policy  = "https-only"
    realtime_log_config_arn = "arn:aws:cloudfront::111122223333:realtime-log-config/shared"
  }
}
