package emulator

import "net/http"

// iamService emulates the IAM query API.
type iamService struct{ s *Server }

func newIAM(s *Server) *iamService { return &iamService{s: s} }

func (i *iamService) serve(w http.ResponseWriter, r *http.Request, rc *reqContext) {
	writeQueryError(w, protoIAM, rc, http.StatusBadRequest, "InvalidAction", "not implemented yet")
}
