package emulator

import "net/http"

// cloudFront emulates the CloudFront 2020-05-31 REST-XML API.
type cloudFront struct{ s *Server }

func newCloudFront(s *Server) *cloudFront { return &cloudFront{s: s} }

func (c *cloudFront) serve(w http.ResponseWriter, r *http.Request, rc *reqContext) {
	writeCloudFrontError(w, rc, http.StatusNotImplemented, "NotImplemented", "not implemented yet")
}
