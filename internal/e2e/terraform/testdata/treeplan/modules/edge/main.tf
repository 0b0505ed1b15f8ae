variable "log_arn" {
  type = string
}

resource "aws_cloudfront_distribution" "this" {
  count = 1

  enabled             = true
  comment             = "edge"
  wait_for_deployment = false

  origin {
    origin_id   = "edge"
    domain_name = "edge.example.com"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id        = "edge"
    viewer_protocol_policy  = "https-only"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    cache_policy_id         = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    realtime_log_config_arn = var.log_arn
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
