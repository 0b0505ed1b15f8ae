# A team's own CloudFront policies: a cache policy keyed on a header, a
# cookie and query strings; an origin request policy; a response headers
# policy with CORS, every security header, custom and removed headers and
# Server-Timing. One distribution uses them (and a managed response headers
# policy looked up by name) on its behaviors and logs from the default one;
# its /assets/* behavior does not log.

resource "aws_kinesis_stream" "logs" {
  name             = "shop-realtime-logs"
  shard_count      = 1
  retention_period = 48
  encryption_type  = "KMS"
  kms_key_id       = "alias/aws/kinesis"

  stream_mode_details {
    stream_mode = "PROVISIONED"
  }
}

resource "aws_iam_role" "logs" {
  name = "shop-realtime-logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "put" {
  name = "put-records"
  role = aws_iam_role.logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["kinesis:DescribeStreamSummary", "kinesis:DescribeStream", "kinesis:PutRecord", "kinesis:PutRecords"]
      Resource = aws_kinesis_stream.logs.arn
    }]
  })
}

resource "aws_cloudfront_realtime_log_config" "all" {
  name          = "shop-all"
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

resource "aws_cloudfront_cache_policy" "api" {
  name        = "shop-api"
  comment     = "API responses by session and query"
  min_ttl     = 0
  default_ttl = 60
  max_ttl     = 3600

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true

    headers_config {
      header_behavior = "whitelist"
      headers {
        items = ["Authorization", "X-Tenant"]
      }
    }

    cookies_config {
      cookie_behavior = "whitelist"
      cookies {
        items = ["session"]
      }
    }

    query_strings_config {
      query_string_behavior = "allExcept"
      query_strings {
        items = ["utm_source", "utm_campaign"]
      }
    }
  }
}

resource "aws_cloudfront_cache_policy" "assets" {
  name    = "shop-assets"
  min_ttl = 86400

  parameters_in_cache_key_and_forwarded_to_origin {
    headers_config {
      header_behavior = "none"
    }
    cookies_config {
      cookie_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

resource "aws_cloudfront_origin_request_policy" "api" {
  name    = "shop-api"
  comment = "Everything but the Host header, and the viewer's country"

  headers_config {
    header_behavior = "allViewerAndWhitelistCloudFront"
    headers {
      items = ["CloudFront-Viewer-Country"]
    }
  }

  cookies_config {
    cookie_behavior = "all"
  }

  query_strings_config {
    query_string_behavior = "all"
  }
}

resource "aws_cloudfront_response_headers_policy" "site" {
  name    = "shop-site"
  comment = "CORS for the storefront and security headers"

  cors_config {
    access_control_allow_credentials = true
    access_control_max_age_sec       = 600
    origin_override                  = true

    access_control_allow_headers {
      items = ["Authorization", "Content-Type"]
    }
    access_control_allow_methods {
      items = ["GET", "POST", "OPTIONS"]
    }
    access_control_allow_origins {
      items = ["https://shop.example.com"]
    }
    access_control_expose_headers {
      items = ["X-Request-Id"]
    }
  }

  security_headers_config {
    content_security_policy {
      content_security_policy = "default-src 'self'; img-src 'self' data:"
      override                = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = false
    }
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
    xss_protection {
      mode_block = true
      protection = true
      override   = true
    }
  }

  custom_headers_config {
    items {
      header   = "X-Served-By"
      value    = "cloudfront"
      override = false
    }
    items {
      header   = "Permissions-Policy"
      value    = "geolocation=()"
      override = true
    }
  }

  remove_headers_config {
    items {
      header = "Server"
    }
    items {
      header = "X-Powered-By"
    }
  }

  server_timing_headers_config {
    enabled       = true
    sampling_rate = 12.5
  }
}

data "aws_cloudfront_response_headers_policy" "security" {
  name = "Managed-SecurityHeadersPolicy"
}

resource "aws_cloudfront_distribution" "shop" {
  enabled = true
  comment = "shop"

  origin {
    origin_id   = "app"
    domain_name = "app.shop.example.com"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id           = "app"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.api.id
    origin_request_policy_id   = aws_cloudfront_origin_request_policy.api.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.site.id
    realtime_log_config_arn    = aws_cloudfront_realtime_log_config.all.arn
  }

  ordered_cache_behavior {
    path_pattern               = "/assets/*"
    target_origin_id           = "app"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    cache_policy_id            = aws_cloudfront_cache_policy.assets.id
    response_headers_policy_id = data.aws_cloudfront_response_headers_policy.security.id
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
  value = aws_cloudfront_realtime_log_config.all.arn
}
