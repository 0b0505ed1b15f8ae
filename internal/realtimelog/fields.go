// Package realtimelog is what cloudassure knows about CloudFront real-time
// logging, in one place and without the AWS SDK: the field list, the team
// policy, the delivery contract (who assumes the role, what it may do, when
// the stream's KMS key needs a grant) and the trust and role policy
// documents both fixers write.
package realtimelog

import (
	"errors"
	"fmt"
)

// realtimeLogFields lists every field CloudFront accepts in a real-time log
// config, in the order CloudFront writes them to the stream.
var realtimeLogFields = [...]string{
	"timestamp", "c-ip", "s-ip", "time-to-first-byte", "sc-status", "sc-bytes",
	"cs-method", "cs-protocol", "cs-host", "cs-uri-stem", "cs-bytes",
	"x-edge-location", "x-edge-request-id", "x-host-header", "time-taken",
	"cs-protocol-version", "c-ip-version", "cs-user-agent", "cs-referer",
	"cs-cookie", "cs-uri-query", "x-edge-response-result-type",
	"x-forwarded-for", "ssl-protocol", "ssl-cipher", "x-edge-result-type",
	"fle-encrypted-fields", "fle-status", "sc-content-type", "sc-content-len",
	"sc-range-start", "sc-range-end", "c-port", "x-edge-detailed-result-type",
	"c-country", "cs-accept-encoding", "cs-accept", "cache-behavior-path-pattern",
	"cs-headers", "cs-header-names", "cs-headers-count",
	"primary-distribution-id", "primary-distribution-dns-name",
	"origin-fbl", "origin-lbl", "asn",
	"cmcd-encoded-bitrate", "cmcd-buffer-length", "cmcd-buffer-starvation",
	"cmcd-content-id", "cmcd-object-duration", "cmcd-deadline",
	"cmcd-measured-throughput", "cmcd-next-object-request",
	"cmcd-next-range-request", "cmcd-object-type", "cmcd-playback-rate",
	"cmcd-requested-maximum-throughput", "cmcd-streaming-format",
	"cmcd-session-id", "cmcd-stream-type", "cmcd-startup", "cmcd-top-bitrate",
	"cmcd-version", "r-host", "sr-reason", "x-edge-mqcs",
	"distribution-tenant-id", "connection-id",
}

// Fields returns every field name CloudFront accepts, in the order
// CloudFront writes them.
func Fields() []string {
	out := make([]string, len(realtimeLogFields))
	copy(out, realtimeLogFields[:])
	return out
}

// IsField reports whether CloudFront accepts name as a real-time log field.
func IsField(name string) bool {
	for _, f := range realtimeLogFields {
		if f == name {
			return true
		}
	}
	return false
}

// SortedFields returns the distinct names of fields in CloudFront's own order,
// the order its API returns them in; names CloudFront does not know are left out.
func SortedFields(fields []string) []string {
	want := make(map[string]bool, len(fields))
	for _, f := range fields {
		want[f] = true
	}
	var out []string
	for _, f := range realtimeLogFields {
		if want[f] {
			out = append(out, f)
		}
	}
	return out
}

// CheckConfig checks a real-time log config's sampling rate and
// fields as CloudFront does when the config is created.
func CheckConfig(samplingRate int, fields []string) error {
	if samplingRate < 1 || samplingRate > 100 {
		return fmt.Errorf("sampling rate must be a whole number from 1 to 100, got %d", samplingRate)
	}
	if len(fields) == 0 {
		return errors.New("a real-time log config needs at least one field")
	}
	for _, f := range fields {
		if !IsField(f) {
			return fmt.Errorf("CloudFront has no real-time log field named %q", f)
		}
	}
	return nil
}
