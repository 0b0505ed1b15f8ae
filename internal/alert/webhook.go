package alert

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cloudassure/cloudassure/internal/store"
)

// SignatureHeader carries sha256=HEX, the HMAC-SHA256 of the body with the shared secret.
const SignatureHeader = "X-Cloudassure-Signature"

// DeliveryHeader carries the delivery ID (the same on every retry of a batch).
const DeliveryHeader = "X-Cloudassure-Delivery"

// Sign returns the signature header value of body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Webhook posts the Message JSON to a URL, signed when it has a secret.
type Webhook struct {
	ChannelName  string
	URL          string // a secret: never logged
	Secret       []byte
	DashboardURL string
	Client       *http.Client
}

var _ Channel = (*Webhook)(nil)

// Name is the channel's name.
func (w *Webhook) Name() string { return w.ChannelName }

// Send posts b.
func (w *Webhook) Send(ctx context.Context, b *store.Batch) error {
	body, err := json.Marshal(NewMessage(b, w.DashboardURL, time.Now()))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("webhook %s: invalid URL", w.ChannelName))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "cloudassure")
	req.Header.Set(DeliveryHeader, b.ID)
	if len(w.Secret) > 0 {
		req.Header.Set(SignatureHeader, Sign(w.Secret, body))
	}
	return post(w.Client, req, "webhook "+w.ChannelName)
}

// post sends req and judges the answer: 2xx is done, 408/429/5xx are worth a retry, other 4xx are not.
func post(c *http.Client, req *http.Request, what string) error {
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", what, scrub(err))
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return fmt.Errorf("%s: HTTP %d", what, resp.StatusCode)
	}
	return Permanent(fmt.Errorf("%s: HTTP %d", what, resp.StatusCode))
}
