# One distribution; every behavior (the default one, the dynamic ones for
# extra_paths, then a static one) logs to log_arn when it is set.

variable "name" {
  type = string
}

variable "log_arn" {
  type    = string
  default = null
}

variable "extra_paths" {
  description = "path patterns that get a behavior of their own, logging like the default one"
  type        = list(string)
  default     = []
}

variable "origin_secret" {
  type      = string
  sensitive = true
}

resource "aws_cloudfront_distribution" "this" {
  enabled             = true
  comment             = var.name
  wait_for_deployment = false

  origin {
    origin_id   = "app"
    domain_name = "${var.name}.example.com"

    custom_header {
      name  = "X-Origin-Verify"
      value = var.origin_secret
    }

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id        = "app"
    viewer_protocol_policy  = "redirect-to-https"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    cache_policy_id         = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    realtime_log_config_arn = var.log_arn
  }

  dynamic "ordered_cache_behavior" {
    for_each = var.extra_paths
    content {
      path_pattern            = ordered_cache_behavior.value
      target_origin_id        = "app"
      viewer_protocol_policy  = "redirect-to-https"
      allowed_methods         = ["GET", "HEAD"]
      cached_methods          = ["GET", "HEAD"]
      cache_policy_id         = "658327ea-f89d-4fab-a63d-7e88639e58f6"
      realtime_log_config_arn = var.log_arn
    }
  }

  ordered_cache_behavior {
    path_pattern            = "/health"
    target_origin_id        = "app"
    viewer_protocol_policy  = "https-only"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    cache_policy_id         = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
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
