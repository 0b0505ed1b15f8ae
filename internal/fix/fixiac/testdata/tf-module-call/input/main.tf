resource "aws_cloudfront_realtime_log_config" "main" {
  name          = "main"
  sampling_rate = 100
  fields        = ["timestamp"]
}

module "cdn" {
  source  = "./modules/cdn"
  log_arn = aws_cloudfront_realtime_log_config.main.arn
}
