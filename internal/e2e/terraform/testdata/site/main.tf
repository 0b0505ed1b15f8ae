# A site the way teams write it: a provisioned, KMS-encrypted stream, a
# delivery role, a real-time log config, and several distributions from one
# for_each: one that logs everywhere, one whose static files do not log, and
# a disabled one.

locals {
  tags = {
    team    = "edge"
    service = "site"
  }
  sites = {
    www = {
      comment    = "www"
      enabled    = true
      aliases    = ["www.example.com", "example.com"]
      log_static = true
    }
    shop = {
      comment    = "shop"
      enabled    = true
      aliases    = []
      log_static = false
    }
    legacy = {
      comment    = "legacy"
      enabled    = false
      aliases    = []
      log_static = false
    }
  }
}

resource "aws_kinesis_stream" "logs" {
  name             = "site-realtime-logs"
  shard_count      = 2
  retention_period = 48
  encryption_type  = "KMS"
  kms_key_id       = "alias/aws/kinesis"

  stream_mode_details {
    stream_mode = "PROVISIONED"
  }

  tags = local.tags
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "logs" {
  name               = "site-realtime-logs"
  path               = "/service-role/"
  description        = "CloudFront delivers real-time logs of the site"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = local.tags
}

data "aws_iam_policy_document" "put" {
  statement {
    actions = [
      "kinesis:DescribeStreamSummary",
      "kinesis:DescribeStream",
      "kinesis:PutRecord",
      "kinesis:PutRecords",
    ]
    resources = [aws_kinesis_stream.logs.arn]
  }
}

resource "aws_iam_role_policy" "put" {
  name   = "put-records"
  role   = aws_iam_role.logs.id
  policy = data.aws_iam_policy_document.put.json
}

resource "aws_iam_policy" "put" {
  name        = "site-put-records"
  path        = "/cdn/"
  description = "Writes to the site's real-time log stream"
  policy      = data.aws_iam_policy_document.put.json
  tags        = local.tags
}

resource "aws_iam_role_policy_attachment" "put" {
  role       = aws_iam_role.logs.name
  policy_arn = aws_iam_policy.put.arn
}

resource "aws_cloudfront_realtime_log_config" "main" {
  name          = "site-main"
  sampling_rate = 100
  fields        = ["timestamp", "c-ip", "sc-status", "cs-method", "cs-uri-stem", "x-edge-request-id", "x-edge-location", "time-taken"]

  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = aws_iam_role.logs.arn
      stream_arn = aws_kinesis_stream.logs.arn
    }
  }

  depends_on = [aws_iam_role_policy.put]
}

resource "aws_cloudfront_origin_access_control" "assets" {
  name                              = "site-assets"
  description                       = "the site's asset bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

data "aws_cloudfront_origin_request_policy" "all_viewer" {
  name = "Managed-AllViewerExceptHostHeader"
}

resource "aws_cloudfront_distribution" "site" {
  for_each = local.sites

  enabled         = each.value.enabled
  comment         = each.value.comment
  aliases         = each.value.aliases
  is_ipv6_enabled = true
  http_version    = "http2and3"
  price_class     = "PriceClass_100"

  origin {
    origin_id   = "app"
    domain_name = "app.example.com"

    custom_header {
      name  = "X-Origin-Verify"
      value = "not-a-real-secret"
    }

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  origin {
    origin_id   = "app-backup"
    domain_name = "backup.example.com"

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
      origin_read_timeout    = 60
    }
  }

  origin {
    origin_id                = "assets"
    domain_name              = "site-assets.s3.us-east-1.amazonaws.com"
    origin_path              = "/public"
    origin_access_control_id = aws_cloudfront_origin_access_control.assets.id
  }

  origin_group {
    origin_id = "app-failover"

    failover_criteria {
      status_codes = [500, 502, 503, 504]
    }

    member {
      origin_id = "app"
    }

    member {
      origin_id = "app-backup"
    }
  }

  default_cache_behavior {
    target_origin_id         = "app-failover"
    viewer_protocol_policy   = "redirect-to-https"
    allowed_methods          = ["GET", "HEAD", "OPTIONS"]
    cached_methods           = ["GET", "HEAD"]
    compress                 = true
    cache_policy_id          = data.aws_cloudfront_cache_policy.optimized.id
    origin_request_policy_id = data.aws_cloudfront_origin_request_policy.all_viewer.id
    realtime_log_config_arn  = aws_cloudfront_realtime_log_config.main.arn
  }

  ordered_cache_behavior {
    path_pattern            = "/api/*"
    target_origin_id        = "app"
    viewer_protocol_policy  = "https-only"
    allowed_methods         = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    cached_methods          = ["GET", "HEAD"]
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.main.arn

    forwarded_values {
      query_string = true
      headers      = ["Authorization"]
      cookies {
        forward           = "whitelist"
        whitelisted_names = ["session"]
      }
    }

    min_ttl     = 0
    default_ttl = 0
    max_ttl     = 0
  }

  ordered_cache_behavior {
    path_pattern            = "/static/*"
    target_origin_id        = "assets"
    viewer_protocol_policy  = "redirect-to-https"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    compress                = true
    cache_policy_id         = data.aws_cloudfront_cache_policy.optimized.id
    realtime_log_config_arn = each.value.log_static ? aws_cloudfront_realtime_log_config.main.arn : null
  }

  custom_error_response {
    error_code            = 404
    response_code         = 200
    response_page_path    = "/index.html"
    error_caching_min_ttl = 10
  }

  custom_error_response {
    error_code            = 503
    error_caching_min_ttl = 0
  }

  restrictions {
    geo_restriction {
      restriction_type = "blacklist"
      locations        = ["KP", "IR"]
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = length(each.value.aliases) == 0
    acm_certificate_arn            = length(each.value.aliases) > 0 ? "arn:aws:acm:us-east-1:111122223333:certificate/6f0c6a52-8f1e-4c1c-9b8e-3a3e7d0c1f00" : null
    ssl_support_method             = length(each.value.aliases) > 0 ? "sni-only" : null
    minimum_protocol_version       = length(each.value.aliases) > 0 ? "TLSv1.2_2021" : "TLSv1"
  }

  tags = merge(local.tags, { site = each.key })
}

output "realtime_log_config_arn" {
  value = aws_cloudfront_realtime_log_config.main.arn
}
