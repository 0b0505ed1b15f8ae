terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 6.0" }
  }
}

variable "environment" {
  type    = string
  default = "prod"
}

variable "shared_log_config_arn" {
  type        = string
  description = "ARN of the organisation's shared real-time log config"
}

locals {
  api_paths = ["/api/*", "/graphql"]
  log_arn   = aws_cloudfront_realtime_log_config.main.arn
}

resource "aws_cloudfront_realtime_log_config" "main" {
  name          = "web-${var.environment}"
  sampling_rate = 100
  fields        = ["timestamp", "c-ip", "sc-status", "cs-method", "cs-uri-stem", "x-edge-request-id", "x-edge-location"]

  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = aws_iam_role.logs.arn
      stream_arn = aws_kinesis_stream.logs.arn
    }
  }
}

resource "aws_cloudfront_distribution" "web" {
  enabled = true
  comment = "web"

  origin {
    domain_name = "web.example.com"
    origin_id   = "web"
  }

  default_cache_behavior {
    target_origin_id        = "web"
    viewer_protocol_policy  = "redirect-to-https"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    realtime_log_config_arn = local.log_arn
  }

  ordered_cache_behavior {
    path_pattern            = "/images/*"
    target_origin_id        = "web"
    viewer_protocol_policy  = "https-only"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.main.arn
  }

  ordered_cache_behavior {
    path_pattern           = "/downloads/*"
    target_origin_id       = "web"
    viewer_protocol_policy = "https-only"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
  }

  dynamic "ordered_cache_behavior" {
    for_each = local.api_paths
    content {
      path_pattern            = ordered_cache_behavior.value
      target_origin_id        = "web"
      viewer_protocol_policy  = "https-only"
      allowed_methods         = ["GET", "HEAD"]
      cached_methods          = ["GET", "HEAD"]
      realtime_log_config_arn = var.shared_log_config_arn
    }
  }

  restrictions {
    geo_restriction { restriction_type = "none" }
  }
  viewer_certificate { cloudfront_default_certificate = true }
}

# cloudassure:ignore CF-001 internal preview, no traffic
resource "aws_cloudfront_distribution" "preview" {
  enabled = true
  origin {
    domain_name = "preview.example.com"
    origin_id   = "preview"
  }
  default_cache_behavior {
    target_origin_id       = "preview"
    viewer_protocol_policy = "allow-all"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
  }
  restrictions {
    geo_restriction { restriction_type = "none" }
  }
  viewer_certificate { cloudfront_default_certificate = true }
}

resource "aws_cloudfront_distribution" "typo" {
  enabled = var.environment == "prod"
  origin {
    domain_name = "typo.example.com"
    origin_id   = "typo"
  }
  default_cache_behavior {
    target_origin_id        = "typo"
    viewer_protocol_policy  = "allow-all"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.mian.arn
  }
  restrictions {
    geo_restriction { restriction_type = "none" }
  }
  viewer_certificate { cloudfront_default_certificate = true }
}

module "cdn" {
  source      = "./modules/cdn"
  log_arn     = aws_cloudfront_realtime_log_config.main.arn
  domain_name = "cdn.example.com"
}

resource "aws_cloudfront_multitenant_distribution" "saas" {
  enabled = true
  default_cache_behavior {
    target_origin_id        = "saas"
    viewer_protocol_policy  = "https-only"
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.main.arn
  }
  cache_behavior {
    path_pattern           = "/tenant-assets/*"
    target_origin_id       = "saas"
    viewer_protocol_policy = "https-only"
  }
}
