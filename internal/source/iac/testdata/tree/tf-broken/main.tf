resource "aws_cloudfront_distribution" "broken" {
  enabled = true
  default_cache_behavior {
    target_origin_id = "x"
    realtime_log_config_arn = 
  }
