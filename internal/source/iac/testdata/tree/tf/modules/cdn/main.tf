variable "log_arn" {
  type    = string
  default = ""
}

variable "domain_name" {
  type = string
}

resource "aws_cloudfront_distribution" "this" {
  enabled = true
  origin {
    domain_name = var.domain_name
    origin_id   = "cdn"
  }
  default_cache_behavior {
    target_origin_id        = "cdn"
    viewer_protocol_policy  = "https-only"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    realtime_log_config_arn = var.log_arn
  }
  ordered_cache_behavior {
    path_pattern           = "/raw/*"
    target_origin_id       = "cdn"
    viewer_protocol_policy = "https-only"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
  }
  restrictions {
    geo_restriction { restriction_type = "none" }
  }
  viewer_certificate { cloudfront_default_certificate = true }
}
