package alert

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/store"
)

// Email sends one message per batch over SMTP, always upgraded with STARTTLS.
type Email struct {
	ChannelName  string
	Addr         string // host:port
	Username     string
	Password     string // a secret: never logged
	From         string
	To           []string
	DashboardURL string
	// TLS configures the STARTTLS handshake; nil verifies the server's certificate for its host name.
	TLS *tls.Config
}

var _ Channel = (*Email)(nil)

// Name is the channel's name.
func (e *Email) Name() string { return e.ChannelName }

// Body renders b as a plain-text email with headers.
func (e *Email) Body(b *store.Batch, now time.Time) []byte {
	m := NewMessage(b, e.DashboardURL, now)
	var sb strings.Builder
	hdr := func(k, v string) {
		fmt.Fprintf(&sb, "%s: %s\r\n", k, strings.NewReplacer("\r", "", "\n", "").Replace(v))
	}
	hdr("From", e.From)
	hdr("To", strings.Join(e.To, ", "))
	hdr("Subject", Subject(m))
	hdr("Date", now.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+b.ID+"@cloudassure>")
	hdr("X-Cloudassure-Delivery", b.ID)
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", "text/plain; charset=utf-8")
	sb.WriteString("\r\n")
	for _, ev := range m.Events {
		sb.WriteString(Headline(ev) + "\r\n")
		if ev.FromStatus != "" {
			fmt.Fprintf(&sb, "  %s -> %s\r\n", ev.FromStatus, ev.ToStatus)
		}
		sb.WriteString("  " + ev.Message + "\r\n")
		for _, l := range BehaviorLines(ev) {
			sb.WriteString("    " + l + "\r\n")
		}
		sb.WriteString("\r\n")
	}
	if e.DashboardURL != "" {
		sb.WriteString("Dashboard: " + e.DashboardURL + "\r\n")
	}
	return []byte(sb.String())
}

// Send delivers b.
func (e *Email) Send(ctx context.Context, b *store.Batch) error {
	what := "email " + e.ChannelName
	host, _, err := net.SplitHostPort(e.Addr)
	if err != nil {
		return Permanent(fmt.Errorf("%s: smtp %q: %w", what, e.Addr, err))
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", e.Addr)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("%s: %w", what, err)
	}
	defer c.Close()
	if err := c.Hello("cloudassure"); err != nil {
		return fmt.Errorf("%s: EHLO: %w", what, err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return Permanent(fmt.Errorf("%s: %s does not offer STARTTLS; cloudassure does not send mail in clear text", what, e.Addr))
	}
	cfg := e.TLS
	if cfg == nil {
		cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	if err := c.StartTLS(cfg); err != nil {
		return fmt.Errorf("%s: STARTTLS: %w", what, err)
	}
	if e.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", e.Username, e.Password, host)); err != nil {
			return smtpErr(what+": AUTH", err)
		}
	}
	if err := c.Mail(e.From); err != nil {
		return smtpErr(what+": MAIL FROM", err)
	}
	for _, to := range e.To {
		if err := c.Rcpt(to); err != nil {
			return smtpErr(what+": RCPT TO "+to, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return smtpErr(what+": DATA", err)
	}
	if _, err := w.Write(e.Body(b, time.Now())); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := w.Close(); err != nil {
		return smtpErr(what+": DATA", err)
	}
	return c.Quit()
}

// smtpErr marks 5xx answers permanent.
func smtpErr(what string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return Permanent(fmt.Errorf("%s: %w", what, err))
	}
	return fmt.Errorf("%s: %w", what, err)
}
