package core

import (
	"context"
	"log/slog"
	"net/http"
)

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// logRequest writes one debug record per request: service, operation,
// path, status and request ID. Nothing is logged unless the logger is
// enabled at debug level.
// A request no service recognises is logged as service "unknown", named by
// its method and path.
func (s *Server) logRequest(ctx context.Context, r *http.Request, svc Service, known bool, rc *Request, status int) {
	if s.log == nil || !s.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	if status == 0 {
		status = http.StatusOK
	}
	name, op := "unknown", RESTXML{}.Operation(r)
	if known {
		name, op = svc.Name, svc.Protocol.Operation(r)
	}
	s.log.LogAttrs(ctx, slog.LevelDebug, "request",
		slog.String("service", name),
		slog.String("operation", op),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.String("request_id", rc.RequestID),
		slog.String("remote", r.RemoteAddr),
	)
}
