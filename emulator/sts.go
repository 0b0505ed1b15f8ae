package emulator

import "net/http"

func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request, rc *reqContext) {
	writeQueryError(w, protoSTS, rc, http.StatusBadRequest, "InvalidAction", "not implemented yet")
}
