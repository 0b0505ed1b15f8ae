resource "aws_cloudfront_distribution" "site" {
  enabled = false
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
    realtime_log_config_arn = "arn:aws:cloudfront::111122223333:realtime-log-config/shared"
  }
  ordered_cache_behavior {
    path_pattern            = "/a/*"
    target_origin_id        = "site"
    viewer_protocol_policy  = "https-only"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    cache_policy_id         = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    realtime_log_config_arn = "arn:aws:cloudfront::111122223333:realtime-log-config/shared"
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
