# The plan in internal/source/iac/testdata/tree/plan (the mixed tree that
# scan iac's golden test reads) is the plan of this stack after it is applied
# and changed: the retired distribution is removed, and an app distribution
# is added with a config below the team policy and an ordered behavior that
# does not log. The edge module's distribution logs everywhere.

resource "aws_kinesis_stream" "logs" {
  name = "tree-logs"

  stream_mode_details {
    stream_mode = "ON_DEMAND"
  }
}

resource "aws_iam_role" "logs" {
  name = "tree-logs"
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

resource "aws_cloudfront_realtime_log_config" "edge" {
  name          = "edge"
  sampling_rate = 100
  fields        = ["timestamp", "c-ip", "sc-status", "cs-method", "cs-uri-stem", "x-edge-request-id", "x-edge-location"]

  endpoint {
    stream_type = "Kinesis"
    kinesis_stream_config {
      role_arn   = aws_iam_role.logs.arn
      stream_arn = aws_kinesis_stream.logs.arn
    }
  }

  depends_on = [aws_iam_role_policy.put]
}

module "edge" {
  source  = "./modules/edge"
  log_arn = aws_cloudfront_realtime_log_config.edge.arn
}
