package emulator

import (
	"net/http"
	"time"
)

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
