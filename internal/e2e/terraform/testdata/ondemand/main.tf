# An on-demand stream encrypted with a customer managed key, a role that
# may use the key, and a real-time log config below the team policy: low
# sampling and few fields. One distribution logs from its default behavior
# only; the other does not log at all.

resource "aws_kinesis_stream" "logs" {
  name             = "api-realtime-logs"
  retention_period = 168
  encryption_type  = "KMS"
  kms_key_id       = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

  stream_mode_details {
    stream_mode = "ON_DEMAND"
  }

  tags = {
    team = "api"
  }
}

resource "aws_iam_role" "logs" {
  name = "api-realtime-logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  max_session_duration = 7200
}

resource "aws_iam_role_policy" "put" {
  name = "put-records"
  role = aws_iam_role.logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["kinesis:DescribeStreamSummary", "kinesis:DescribeStream", "kinesis:PutRecord", "kinesis:PutRecords"]
        Resource = aws_kinesis_stream.logs.arn
      },
      {
        Effect   = "Allow"
        Action   = "kms:GenerateDataKey"
        Resource = aws_kinesis_stream.logs.kms_key_id
      },
    ]
  })
}

resource "aws_cloudfront_realtime_log_config" "sampled" {
  name          = "api-sampled"
  sampling_rate = 10
  fields        = ["timestamp", "c-ip", "sc-status"]

  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = aws_iam_role.logs.arn
      stream_arn = aws_kinesis_stream.logs.arn
    }
  }

  depends_on = [aws_iam_role_policy.put]
}

data "aws_cloudfront_cache_policy" "disabled" {
  name = "Managed-CachingDisabled"
}

resource "aws_cloudfront_distribution" "api" {
  enabled = true
  comment = "api"

  origin {
    origin_id   = "api"
    domain_name = "api.example.com"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id        = "api"
    viewer_protocol_policy  = "https-only"
    allowed_methods         = ["GET", "HEAD"]
    cached_methods          = ["GET", "HEAD"]
    cache_policy_id         = data.aws_cloudfront_cache_policy.disabled.id
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.sampled.arn
  }

  ordered_cache_behavior {
    path_pattern           = "/health"
    target_origin_id       = "api"
    viewer_protocol_policy = "allow-all"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    cache_policy_id        = data.aws_cloudfront_cache_policy.disabled.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "whitelist"
      locations        = ["US", "CA"]
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}

resource "aws_cloudfront_distribution" "static" {
  enabled             = true
  comment             = "static"
  default_root_object = "index.html"

  origin {
    origin_id   = "bucket"
    domain_name = "static-site.s3-website-us-east-1.amazonaws.com"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "http-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id       = "bucket"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]

    forwarded_values {
      query_string = false
      cookies {
        forward = "none"
      }
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }

  tags = {
    team = "web"
  }
}

output "realtime_log_config_arn" {
  value = aws_cloudfront_realtime_log_config.sampled.arn
}
