package emulator

import (
	"fmt"
	"net/http"
	"time"
)

// Validate reports what is out of range in f: rates must be fractions from 0
// to 1 that together do not exceed 1, and the latency must not be negative.
// Names are the fields' command-line flags.
func (f Faults) Validate() error {
	for _, r := range []struct {
		flag string
		v    float64
	}{{"--throttle-rate", f.ThrottleRate}, {"--error-rate", f.ServerErrorRate}} {
		if !(r.v >= 0 && r.v <= 1) { // also rejects NaN
			return fmt.Errorf("%s must be between 0 and 1, got %v", r.flag, r.v)
		}
	}
	if sum := f.ThrottleRate + f.ServerErrorRate; sum > 1 {
		return fmt.Errorf("--throttle-rate and --error-rate add up to %v; together they are the fraction of failed requests, at most 1", sum)
	}
	if f.Latency < 0 {
		return fmt.Errorf("--latency must not be negative, got %v", f.Latency)
	}
	return nil
}

// injectFault applies the configured latency and, by chance, answers with a
// throttling or server error. It reports whether it wrote a response.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request, proto protocol, rc *reqContext) bool {
	s.mu.Lock()
	f := s.faults
	if af, ok := s.accountFaults(rc.account); ok {
		f = af
	}
	var roll float64
	if f.ThrottleRate > 0 || f.ServerErrorRate > 0 {
		roll = s.rng.Float64()
	}
	s.mu.Unlock()

	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case roll < f.ThrottleRate:
		writeThrottle(w, proto, rc)
		return true
	case roll < f.ThrottleRate+f.ServerErrorRate:
		writeServerError(w, proto, rc)
		return true
	}
	return false
}

func writeThrottle(w http.ResponseWriter, proto protocol, rc *reqContext) {
	switch proto {
	case protoKinesis:
		writeKinesisError(w, rc, http.StatusBadRequest, "LimitExceededException", "Rate exceeded for stream operations.")
	case protoOrganizations:
		writeKinesisError(w, rc, http.StatusBadRequest, "TooManyRequestsException", "AWS Organizations can't complete your request because another request is already in progress. Try again later.")
	case protoCloudFront:
		writeCloudFrontError(w, rc, http.StatusBadRequest, "Throttling", "Rate exceeded")
	default:
		writeQueryError(w, proto, rc, http.StatusBadRequest, "Throttling", "Rate exceeded")
	}
}

func writeServerError(w http.ResponseWriter, proto protocol, rc *reqContext) {
	switch proto {
	case protoKinesis, protoOrganizations:
		writeKinesisError(w, rc, http.StatusInternalServerError, "InternalFailure", "We encountered an internal error. Please try again.")
	case protoCloudFront:
		writeCloudFrontError(w, rc, http.StatusServiceUnavailable, "ServiceUnavailable", "The service is unavailable. Please try again.")
	default:
		writeQueryError(w, proto, rc, http.StatusInternalServerError, "ServiceFailure", "We encountered an internal error. Please try again.")
	}
}
