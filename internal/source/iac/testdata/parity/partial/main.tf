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
  origin {
    origin_id   = "site"
    domain_name = "site.example.com"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }
  default_cache_behavior {
    target_origin_id        = "site"
    viewer_protocol_policy  = "https-only"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    cache_policy_id         = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.logs.arn
  }
  ordered_cache_behavior {
    path_pattern            = "/api/*"
    target_origin_id        = "site"
    viewer_protocol_policy  = "https-only"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    cache_policy_id         = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.logs.arn
  }
  ordered_cache_behavior {
    path_pattern           = "/static/*"
    target_origin_id       = "site"
    viewer_protocol_policy = "https-only"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    cache_policy_id        = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
