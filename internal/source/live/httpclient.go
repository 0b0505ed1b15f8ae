package live

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// BufferRequestBodies wraps an SDK HTTP client so that the transport sends
// its own copy of every request body of known size.
//
// The SDK closes a request's body as soon as the response headers arrive.
// net/http may still be reading that body then (it checks that nothing
// follows the declared length), sees io.EOF, closes the connection, and the
// response body is lost: "use of closed network connection" although the
// server has answered (aws/aws-sdk-go-v2#2737). The SDK then retries, which
// for a call that is not idempotent (CreateDistribution, CreateStream,
// CreateRole) turns a success into an "already exists" error. A fast server,
// such as the emulator on loopback, makes the window wide. Request bodies of
// the calls cloudassure makes are a few kilobytes, so copying them is cheap.
func BufferRequestBodies(next aws.HTTPClient) aws.HTTPClient {
	if next == nil {
		next = awshttp.NewBuildableClient()
	}
	return bufferedBodies{next: next}
}

type bufferedBodies struct{ next aws.HTTPClient }

func (c bufferedBodies) Do(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength <= 0 {
		return c.next.Do(r) // no body, or a stream of unknown length: sent as it is
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, r.ContentLength))
	if err != nil {
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	if int64(len(b)) != r.ContentLength {
		return nil, fmt.Errorf("request body has %d bytes, %d declared", len(b), r.ContentLength)
	}
	r = r.Clone(r.Context())
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return c.next.Do(r)
}
