resource "aws_cloudfront_realtime_log_config" "logs" {
  name          = "logs"
  sampling_rate = 100
  fields        = ["timestamp", "c-ip"]
  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = "arn:aws:iam::111122223333:role/logs"
      stream_arn = "arn:aws:kinesis:us-east-1:111122223333:stream/logs"
    }
  }
}

resource "aws_cloudfront_distribution" "site" {
  enabled = true
  default_cache_behavior {
    target_origin_id        = "site"
    viewer_protocol_policy  = "https-only"
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.logs.arn
  }
  ordered_cache_behavior {
    path_pattern            = "/api/*"
    target_origin_id        = "site"
    viewer_protocol_policy  = "https-only"
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.logs.arn
  }
  ordered_cache_behavior {
    path_pattern           = "/static/*"
    target_origin_id       = "site"
    viewer_protocol_policy = "https-only"
  }
}
