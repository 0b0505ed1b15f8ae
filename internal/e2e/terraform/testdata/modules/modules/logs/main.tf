# The delivery chain: a stream, a role CloudFront may assume, its policy,
# and one real-time log config (count, so its address has a key).

variable "name" {
  type = string
}

resource "aws_kinesis_stream" "this" {
  name = var.name

  stream_mode_details {
    stream_mode = "ON_DEMAND"
  }
}

resource "aws_iam_role" "this" {
  name = var.name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "this" {
  name = "put-records"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["kinesis:DescribeStreamSummary", "kinesis:DescribeStream", "kinesis:PutRecord", "kinesis:PutRecords"]
      Resource = aws_kinesis_stream.this.arn
    }]
  })
}

resource "aws_cloudfront_realtime_log_config" "this" {
  count = 1

  name          = var.name
  sampling_rate = 100
  fields        = ["timestamp", "c-ip", "sc-status", "cs-method", "cs-uri-stem", "x-edge-request-id", "x-edge-location"]

  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = aws_iam_role.this.arn
      stream_arn = aws_kinesis_stream.this.arn
    }
  }

  depends_on = [aws_iam_role_policy.this]
}

output "arn" {
  value = aws_cloudfront_realtime_log_config.this[0].arn
}
