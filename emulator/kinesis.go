package emulator

import "net/http"

// kinesisService emulates the Kinesis Data Streams JSON 1.1 API.
type kinesisService struct{ s *Server }

func newKinesis(s *Server) *kinesisService { return &kinesisService{s: s} }

func (k *kinesisService) serve(w http.ResponseWriter, r *http.Request, rc *reqContext) {
	writeKinesisError(w, rc, http.StatusBadRequest, "UnknownOperationException", "not implemented yet")
}
