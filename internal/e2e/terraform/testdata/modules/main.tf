# Modules the way teams split a stack: one module owns the delivery chain
# and outputs its config's ARN; a CDN module, called with for_each and with
# count, takes it as a variable (or null) and a sensitive origin secret.
# Distributions in the root module take the ARN from the module output,
# directly and through a local (which plan JSON does not record).

variable "origin_secret" {
  description = "value of the X-Origin-Verify header the origins check"
  type        = string
  sensitive   = true
  default     = "not-a-real-secret"
}

locals {
  log_arn = module.logs.arn
}

module "logs" {
  source = "./modules/logs"
  name   = "mod-logs"
}

module "cdn" {
  source   = "./modules/cdn"
  for_each = { blog = true, docs = false }

  name          = each.key
  log_arn       = each.value ? module.logs.arn : null
  extra_paths   = ["/${each.key}/*", "/feed/*"]
  origin_secret = var.origin_secret
}

module "edge" {
  source = "./modules/cdn"
  count  = 1

  name          = "edge"
  log_arn       = module.logs.arn
  origin_secret = var.origin_secret
}

resource "aws_cloudfront_distribution" "root" {
  enabled             = true
  comment             = "root"
  wait_for_deployment = false

  origin {
    origin_id   = "root"
    domain_name = "root.example.com"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id        = "root"
    viewer_protocol_policy  = "redirect-to-https"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    cache_policy_id         = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    realtime_log_config_arn = module.logs.arn
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

resource "aws_cloudfront_distribution" "via_local" {
  enabled             = true
  comment             = "via local"
  wait_for_deployment = false

  origin {
    origin_id   = "via-local"
    domain_name = "local.example.com"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id        = "via-local"
    viewer_protocol_policy  = "redirect-to-https"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    cache_policy_id         = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    realtime_log_config_arn = local.log_arn
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

output "realtime_log_config_arn" {
  value = module.logs.arn
}
