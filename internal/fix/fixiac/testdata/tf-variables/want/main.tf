resource "aws_cloudfront_distribution" "web" {
  enabled = var.enabled
  default_cache_behavior {
    target_origin_id        = "web"
    viewer_protocol_policy  = "allow-all"
    realtime_log_config_arn = var.realtime_log_config_arn
  }
}

resource "aws_cloudfront_realtime_log_config" "a" {
  name          = "a"
  sampling_rate = 100
  fields        = ["timestamp"]
}

resource "aws_cloudfront_realtime_log_config" "b" {
  name          = "b"
  sampling_rate = 100
  fields        = ["timestamp"]
}
