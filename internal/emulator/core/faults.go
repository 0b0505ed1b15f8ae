package core

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
	if f.LargeBodyLatency < 0 {
		return fmt.Errorf("--large-body-latency must not be negative, got %v", f.LargeBodyLatency)
	}
	return nil
}

// LargeBody is the request body size above which Faults.LargeBodyLatency
// applies: net/http's default transport write buffer (4 KiB). A smaller
// body leaves the client in one flush, after the client's last look at it.
const LargeBody = 4 << 10

// delay is how long a request with a body of contentLength bytes (-1:
// unknown) waits before it is answered.
func (f Faults) delay(contentLength int64) time.Duration {
	if contentLength > LargeBody {
		return f.Latency + f.LargeBodyLatency
	}
	return f.Latency
}

// injectFault applies the configured latency and, by chance, answers with a
// throttling or server error. It reports whether it wrote a response.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request, svc Service, rc *Request) bool {
	s.mu.Lock()
	f := s.faults
	if af, ok := s.accountFaults(rc.Account); ok {
		f = af
	}
	var roll float64
	if f.ThrottleRate > 0 || f.ServerErrorRate > 0 {
		roll = s.rng.Float64()
	}
	s.mu.Unlock()

	if delay := f.delay(r.ContentLength); delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case roll < f.ThrottleRate:
		svc.Protocol.WriteError(w, rc, svc.Protocol.Throttling())
		return true
	case roll < f.ThrottleRate+f.ServerErrorRate:
		svc.Protocol.WriteError(w, rc, svc.Protocol.ServerError())
		return true
	}
	return false
}
