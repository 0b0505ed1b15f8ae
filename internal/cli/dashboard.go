package cli

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/cloudassure/cloudassure/internal/serve"
	"github.com/cloudassure/cloudassure/internal/web"
)

// newDashboard builds serve's web dashboard over the service's store. With a
// token configured, a browser signs in with it and what it does is recorded
// under the config's token_name.
func newDashboard(svc *serve.Service, token string) (http.Handler, error) {
	opts := web.Options{Logger: svc.Logger, FixProfile: func(target string) string {
		for _, t := range svc.Config.Targets {
			if t.Name == target {
				return t.Profile
			}
		}
		return ""
	}}
	if token != "" {
		name := svc.Config.TokenName
		if name == "" {
			name = "token"
		}
		want := sha256.Sum256([]byte(token))
		opts.Authenticate = func(tok string) (string, bool) {
			got := sha256.Sum256([]byte(tok))
			return name, subtle.ConstantTimeCompare(got[:], want[:]) == 1
		}
	}
	return web.New(svc.Store, opts)
}
