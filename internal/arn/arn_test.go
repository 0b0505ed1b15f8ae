package arn

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   ARN
		bad    bool
		name   string
		region string
	}{
		{in: "arn:aws:kinesis:eu-west-1:111122223333:stream/logs", want: ARN{"aws", "kinesis", "eu-west-1", "111122223333", "stream/logs"}, name: "logs", region: "eu-west-1"},
		{in: "arn:aws-cn:iam::111122223333:role/service-role/x", want: ARN{"aws-cn", "iam", "", "111122223333", "role/service-role/x"}, name: "x"},
		{in: "arn:aws:cloudfront::111122223333:realtime-log-config/main", want: ARN{"aws", "cloudfront", "", "111122223333", "realtime-log-config/main"}, name: "main"},
		{in: "not-an-arn", bad: true, name: "not-an-arn"},
		{in: "arn:aws:kinesis", bad: true, name: "kinesis"},
	} {
		got, err := Parse(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v", tc.in, got, err)
		}
		if n := Name(tc.in); n != tc.name {
			t.Errorf("Name(%q) = %q, want %q", tc.in, n, tc.name)
		}
		if r := Region(tc.in); r != tc.region {
			t.Errorf("Region(%q) = %q, want %q", tc.in, r, tc.region)
		}
	}
}
