locals {
  api_paths = ["/api/*", "/graphql"]
}

# The module's one real-time log config.
resource "aws_cloudfront_realtime_log_config" "main" {
  name          = "main"
  sampling_rate = 100
  fields        = ["timestamp"]
  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = "arn:aws:iam::111122223333:role/logs"
      stream_arn = "arn:aws:kinesis:us-east-1:111122223333:stream/logs"
    }
  }
}

resource "aws_cloudfront_distribution" "web" {
  enabled   =   true   # not terraform fmt-ed: left exactly so
  comment = "web"

  default_cache_behavior {
    target_origin_id = "web"
    viewer_protocol_policy    = "allow-all"
    forwarded_values {
      query_string = false
    }
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.main.arn
  }

  ordered_cache_behavior {
    path_pattern            = "/empty/*"
    target_origin_id        = "web"
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.main.arn
  }

  ordered_cache_behavior {
    path_pattern = "/one-line/*"
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.main.arn
  }

  ordered_cache_behavior {
    path_pattern            = "/set/*"
    target_origin_id        = "web"
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.main.arn
  }

  dynamic "ordered_cache_behavior" {
    for_each = local.api_paths
    content {
      path_pattern     = ordered_cache_behavior.value
      target_origin_id = "web"
      realtime_log_config_arn = aws_cloudfront_realtime_log_config.main.arn
    }
  }
}
