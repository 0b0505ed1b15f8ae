package serve

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/cloudassure/cloudassure/internal/alert"
)

// Channels builds the alert channels of cfg, reading their secrets from the
// environment variables or files it names. Terminal channels write to term
// (stdout when nil).
func Channels(cfg *Config, term io.Writer) ([]alert.Channel, error) {
	if term == nil {
		term = os.Stdout
	}
	client := &http.Client{Timeout: 30 * time.Second}
	var out []alert.Channel
	for i := range cfg.Alerts {
		a := &cfg.Alerts[i]
		what := "alert " + a.Name
		switch a.Type {
		case "slack":
			u, err := secret(what+" url", a.URLEnv, a.URLFile)
			if err != nil {
				return nil, err
			}
			out = append(out, &alert.Slack{ChannelName: a.Name, URL: u, DashboardURL: cfg.DashboardURL, Client: client})
		case "webhook":
			u, err := secret(what+" url", a.URLEnv, a.URLFile)
			if err != nil {
				return nil, err
			}
			sec, err := secret(what+" secret", a.SecretEnv, a.SecretFile)
			if err != nil {
				return nil, err
			}
			out = append(out, &alert.Webhook{ChannelName: a.Name, URL: u, Secret: []byte(sec), DashboardURL: cfg.DashboardURL, Client: client})
		case "email":
			pw, err := secret(what+" password", a.PasswordEnv, a.PasswordFile)
			if err != nil {
				return nil, err
			}
			if a.Username != "" && pw == "" {
				return nil, fmt.Errorf("%s: username without password_env or password_file", what)
			}
			host, _, _ := net.SplitHostPort(a.SMTP)
			tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: a.InsecureSkipVerify} //nolint:gosec // opt-in for lab servers
			out = append(out, &alert.Email{ChannelName: a.Name, Addr: a.SMTP, Username: a.Username, Password: pw, From: a.From, To: a.To,
				DashboardURL: cfg.DashboardURL, TLS: tc})
		case "terminal":
			out = append(out, &alert.Terminal{ChannelName: a.Name, W: term})
		}
	}
	return out, nil
}
