resource "aws_cloudfront_distribution" "web" {
  enabled = true

  default_cache_behavior {
    target_origin_id        = "web"
    viewer_protocol_policy  = "allow-all"
    realtime_log_config_arn = aws_cloudfront_realtime_log_config.realtime_logs.arn
  }
}

data "aws_caller_identity" "current" {}

resource "aws_kinesis_stream" "realtime_logs" {
  name            = "001-realtime-logs"
  encryption_type = "KMS"
  kms_key_id      = "alias/aws/kinesis"

  stream_mode_details {
    stream_mode = "ON_DEMAND"
  }
}

resource "aws_iam_role" "realtime_logs" {
  name_prefix = "cloudfront-realtime-logs-"
  description = "Lets CloudFront deliver real-time logs to ${aws_kinesis_stream.realtime_logs.name}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_iam_role_policy" "realtime_logs" {
  name = "cloudassure-deliver-realtime-logs"
  role = aws_iam_role.realtime_logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "DeliverRealtimeLogs"
      Effect   = "Allow"
      Action   = ["kinesis:DescribeStreamSummary", "kinesis:DescribeStream", "kinesis:PutRecord", "kinesis:PutRecords"]
      Resource = aws_kinesis_stream.realtime_logs.arn
    }]
  })
}

resource "aws_cloudfront_realtime_log_config" "realtime_logs" {
  name          = "001-realtime-logs"
  sampling_rate = 100
  fields        = ["timestamp", "c-ip", "sc-status", "cs-method", "cs-uri-stem", "x-edge-location", "x-edge-request-id"]

  endpoint {
    stream_type = "Kinesis"

    kinesis_stream_config {
      role_arn   = aws_iam_role.realtime_logs.arn
      stream_arn = aws_kinesis_stream.realtime_logs.arn
    }
  }

  depends_on = [aws_iam_role_policy.realtime_logs]
}
