package live

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// closingBody is a request body like the SDK's: once closed, reads give io.EOF.
type closingBody struct {
	mu     sync.Mutex
	r      io.Reader
	closed bool
}

func (b *closingBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, io.EOF
	}
	return b.r.Read(p)
}

func (b *closingBody) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// lateReader is a transport that answers at once and reads the body only
// afterwards, as net/http's write loop may.
type lateReader struct{ req *http.Request }

func (l *lateReader) Do(r *http.Request) (*http.Response, error) {
	l.req = r
	return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
}

func TestBufferRequestBodies(t *testing.T) {
	const payload = "<DistributionConfig>…</DistributionConfig>"
	for _, tc := range []struct {
		name     string
		wrap     bool
		wantFull bool
	}{
		{"SDK client as it is: the body closed by the SDK is lost", false, false},
		{"buffered: the transport has its own copy", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := &lateReader{}
			var client aws.HTTPClient = next
			if tc.wrap {
				client = BufferRequestBodies(next)
			}
			body := &closingBody{r: strings.NewReader(payload)}
			req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/", body)
			if err != nil {
				t.Fatal(err)
			}
			req.ContentLength = int64(len(payload))
			if _, err := client.Do(req); err != nil {
				t.Fatal(err)
			}
			body.Close() // what the SDK does when Do returns
			got, err := io.ReadAll(next.req.Body)
			if full := err == nil && string(got) == payload; full != tc.wantFull {
				t.Errorf("transport read %q (%v); want the whole body: %v", got, err, tc.wantFull)
			}
		})
	}
}

func TestBufferRequestBodiesChecksLength(t *testing.T) {
	next := &lateReader{}
	req, _ := http.NewRequest(http.MethodPut, "http://127.0.0.1/", io.NopCloser(bytes.NewReader([]byte("short"))))
	req.ContentLength = 10
	if _, err := BufferRequestBodies(next).Do(req); err == nil || next.req != nil {
		t.Errorf("a body shorter than declared was sent: %v", err)
	}

	// Without a body, or of unknown length (a stream), the request goes as it is.
	for _, r := range []*http.Request{
		mustRequest(t, nil, 0),
		mustRequest(t, io.NopCloser(strings.NewReader("stream")), -1),
	} {
		next := &lateReader{}
		if _, err := BufferRequestBodies(next).Do(r); err != nil || next.req != r {
			t.Errorf("request with length %d was not passed through: %v", r.ContentLength, err)
		}
	}
}

func mustRequest(t *testing.T, body io.Reader, length int64) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/", body)
	if err != nil {
		t.Fatal(err)
	}
	r.ContentLength = length
	return r
}
