package cloudfront_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// answers counts the responses the SDK has received (its transport handler
// has returned, so it has already closed the request body).
type answers struct {
	mu    sync.Mutex
	n     int // responses the SDK has received
	wrote int // requests net/http's write loop has finished
	c     *sync.Cond
}

func newAnswers() *answers {
	a := &answers{}
	a.c = sync.NewCond(&a.mu)
	return a
}

func (a *answers) seen() {
	a.mu.Lock()
	a.n++
	a.mu.Unlock()
	a.c.Broadcast()
}

func (a *answers) written() {
	a.mu.Lock()
	a.wrote++
	a.mu.Unlock()
	a.c.Broadcast()
}

// waitWritten waits until more than n requests were written, or d has passed.
func (a *answers) waitWritten(n int, d time.Duration) {
	t := time.AfterFunc(d, a.c.Broadcast)
	defer t.Stop()
	deadline := time.Now().Add(d)
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.wrote <= n && time.Now().Before(deadline) {
		a.c.Wait()
	}
}

func (a *answers) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}

// waitPast waits until more than n responses were seen, or d has passed.
func (a *answers) waitPast(n int, d time.Duration) {
	t := time.AfterFunc(d, a.c.Broadcast)
	defer t.Stop()
	deadline := time.Now().Add(d)
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.n <= n && time.Now().Before(deadline) {
		a.c.Wait()
	}
}

func (a *answers) ID() string { return "testAnswers" }

func (a *answers) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	a.mu.Lock()
	wrote := a.wrote
	a.mu.Unlock()
	out, md, err := next.HandleDeserialize(ctx, in)
	a.seen()
	// The SDK reads the response body once the write loop is done.
	a.waitWritten(wrote, 10*time.Second)
	return out, md, err
}

// stallingConn is a client connection whose writer is descheduled right
// after it sent the last byte of a request, until the SDK has the answer:
// what a busy machine does to net/http's write loop when the server, on
// loopback, answers within microseconds.
type stallingConn struct {
	net.Conn
	answers *answers
	sent    bytes.Buffer // the request being written
}

func (c *stallingConn) Write(p []byte) (int, error) {
	before := c.answers.count()
	n, err := c.Conn.Write(p)
	c.sent.Write(p[:n])
	if err == nil && c.requestComplete() {
		c.sent.Reset()
		c.answers.waitPast(before, 10*time.Second)
	}
	return n, err
}

// requestComplete reports whether the bytes sent hold a whole request
// (its headers and Content-Length bytes of body).
func (c *stallingConn) requestComplete() bool {
	b := c.sent.Bytes()
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		return false
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b[:end+4])))
	if err != nil {
		return false
	}
	length, _ := strconv.Atoi(req.Header.Get("Content-Length"))
	return len(b)-(end+4) >= length
}

// TestLostResponseRetriedCreate shows why the provider sometimes sent a
// CloudFront create or update twice (issue 9). aws-sdk-go-v2 closes a
// request body as soon as the response headers arrive; its wrapper then
// answers the WriteTo of net/http's after-body read with io.EOF, which
// net/http takes for a body read error: "write error: EOF" closes the
// connection while the response body is still unread, the SDK retries
// (use of closed network connection), and the retry of a create meets the
// distribution the first attempt made. It happens only when the answer
// arrives before the client's write loop has finished, which a server on
// loopback allows and a real network's round trip does not. A client that
// sends its own copy of the body (live.BufferRequestBodies) is immune.
func TestLostResponseRetriedCreate(t *testing.T) {
	for _, tc := range []struct {
		name     string
		buffered bool
		wantErr  string
	}{
		{"SDK body: the answer is lost and the create is sent again", false, "DistributionAlreadyExists"},
		{"buffered body: one create, one answer", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, cfg := emutest.Start(t, emulator.Options{})
			a := newAnswers()
			tr := http.DefaultTransport.(*http.Transport).Clone()
			dial := tr.DialContext
			tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := dial(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return &stallingConn{Conn: c, answers: a}, nil
			}
			t.Cleanup(tr.CloseIdleConnections)
			var hc aws.HTTPClient = &http.Client{Transport: tracedTransport{tr, a}}
			if tc.buffered {
				hc = live.BufferRequestBodies(hc)
			}
			cfg.HTTPClient = hc
			cfg.APIOptions = append(cfg.APIOptions, func(st *middleware.Stack) error { return st.Deserialize.Add(a, middleware.After) })
			_, err := cloudfront.NewFromConfig(cfg).CreateDistributionWithTags(context.Background(), &cloudfront.CreateDistributionWithTagsInput{
				DistributionConfigWithTags: &types.DistributionConfigWithTags{DistributionConfig: largeDistConfig("lost"), Tags: &types.Tags{Items: []types.Tag{}}},
			})
			var ae smithy.APIError
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("create: %v", err)
			case tc.wantErr != "" && (!errors.As(err, &ae) || ae.ErrorCode() != tc.wantErr):
				t.Fatalf("create: got %v, want %s after a lost answer", err, tc.wantErr)
			}
			wantRequests := int64(1)
			if tc.wantErr != "" {
				wantRequests = 2
			}
			if n := s.Requests(); n != wantRequests {
				t.Errorf("the emulator got %d requests, want %d", n, wantRequests)
			}
		})
	}
}

// largeDistConfig is a config bigger than net/http's 4 KiB write buffer,
// as a real site's is, so the client writes its last bytes straight to the
// connection and the answer can overtake the rest of its write loop.
func largeDistConfig(ref string) *types.DistributionConfig {
	c := emutest.DistributionConfig(ref, "")
	var hs []types.OriginCustomHeader
	for i := range 40 {
		hs = append(hs, types.OriginCustomHeader{HeaderName: aws.String(fmt.Sprintf("X-Origin-Header-%02d", i)), HeaderValue: aws.String("a-value-long-enough-to-make-the-config-large")})
	}
	c.Origins.Items[0].CustomHeaders = &types.CustomHeaders{Quantity: aws.Int32(int32(len(hs))), Items: hs}
	return c
}

// tracedTransport tells answers when net/http has finished writing a request.
type tracedTransport struct {
	next    http.RoundTripper
	answers *answers
}

func (t tracedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.WithContext(httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { t.answers.written() },
	}))
	return t.next.RoundTrip(r)
}
