resource "aws_cloudfront_distribution" "web" {
  enabled = true
  # comment
  default_cache_behavior {
    target_origin_id = "web"
  }
}
