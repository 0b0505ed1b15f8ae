package cloudfront_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/cloudassure/cloudassure/internal/emulator"
)

// cfRawRequest sends a request without the SDK and returns the status and body.
// cloudFrontNS is the XML namespace of the CloudFront 2020-05-31 API.
const cloudFrontNS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"

func cfRawRequest(t testing.TB, method, url, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

const cfRawConfigBody = `<CallerReference>raw</CallerReference>` +
	`<Origins><Quantity>1</Quantity><Items><Origin><Id>o</Id><DomainName>example.com</DomainName></Origin></Items></Origins>` +
	`<DefaultCacheBehavior><TargetOriginId>o</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy>` +
	`<CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId></DefaultCacheBehavior>`

func TestCloudFrontRawBodies(t *testing.T) {
	s, _ := newCloudFrontClient(t, emulator.Options{})
	url := s.URL() + "/2020-05-31/distribution"
	wrap := func(inner string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><DistributionConfig xmlns="` + cloudFrontNS + `">` + inner + `</DistributionConfig>`
	}
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"not XML", "{}", 400, "MalformedXML"},
		{"truncated", wrap(cfRawConfigBody)[:100], 400, "MalformedXML"},
		{"empty", "", 400, "MissingBody"},
		{"wrong root", `<Distribution xmlns="` + cloudFrontNS + `">` + cfRawConfigBody + `</Distribution>`, 400, "MalformedXML"},
		{"no namespace", `<DistributionConfig>` + cfRawConfigBody + `<Comment/><Enabled>true</Enabled></DistributionConfig>`, 400, "MalformedXML"},
		{"namespace prefix", `<cf:DistributionConfig xmlns:cf="` + cloudFrontNS + `"><cf:Comment/></cf:DistributionConfig>`, 400, "MalformedXML"},
		{"bad quantity", wrap(cfRawConfigBody + `<Aliases><Quantity>x</Quantity></Aliases><Comment/><Enabled>true</Enabled>`), 400, "MalformedXML"},
		{"bad boolean", wrap(cfRawConfigBody + `<Comment/><Enabled>yes</Enabled>`), 400, "MalformedXML"},
		{"no comment", wrap(cfRawConfigBody + `<Enabled>true</Enabled>`), 400, "InvalidArgument"},
		{"no enabled", wrap(cfRawConfigBody + `<Comment/>`), 400, "InvalidArgument"},
		{"no caller reference", wrap(strings.Replace(cfRawConfigBody, "<CallerReference>raw</CallerReference>", "", 1) + `<Comment/><Enabled>true</Enabled>`), 400, "InvalidArgument"},
		{"no default cache behavior", wrap(cfRawConfigBody[:strings.Index(cfRawConfigBody, "<DefaultCacheBehavior>")] + `<Comment/><Enabled>true</Enabled>`), 400, "InvalidArgument"},
		{"unknown cache policy", wrap(strings.Replace(cfRawConfigBody, "658327ea-f89d-4fab-a63d-7e88639e58f6", "x", 1) + `<Comment/><Enabled>true</Enabled>`), 404, "NoSuchCachePolicy"},
		{"ok", wrap(cfRawConfigBody + `<Comment/><Enabled>true</Enabled>`), 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := cfRawRequest(t, http.MethodPost, url, tt.body, nil)
			if status != tt.status || !strings.Contains(body, "<Code>"+tt.code+"</Code>") && tt.code != "" {
				t.Errorf("status %d, body %s; want %d %s", status, body, tt.status, tt.code)
			}
		})
	}
	if status, _ := cfRawRequest(t, http.MethodGet, s.URL()+"/2020-05-31/function", "", nil); status != http.StatusNotImplemented {
		t.Errorf("unimplemented operation: status %d", status)
	}
}

// TestCloudFrontRawRoundTrip checks byte-level fidelity: elements the
// emulator does not know, their order and their escaping come back as sent.
func TestCloudFrontRawRoundTrip(t *testing.T) {
	s, _ := newCloudFrontClient(t, emulator.Options{})
	inner := `<Comment>a &amp; b &lt;c&gt;</Comment><FutureElement><Quantity>0</Quantity><Deep a="1">x</Deep></FutureElement>` +
		cfRawConfigBody + `<Enabled>true</Enabled><Staging>true</Staging>`
	body := `<DistributionConfig xmlns="` + cloudFrontNS + `">` + inner + `</DistributionConfig>`
	status, resp := cfRawRequest(t, http.MethodPost, s.URL()+"/2020-05-31/distribution", body, nil)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, resp)
	}
	id := regexp.MustCompile(`<Id>(E[A-Z0-9]+)</Id>`).FindStringSubmatch(resp)[1]
	_, resp = cfRawRequest(t, http.MethodGet, s.URL()+"/2020-05-31/distribution/"+id+"/config", "", nil)
	// What was sent comes first, verbatim; CloudFront's defaults for the
	// optional members it left out follow.
	if !strings.Contains(resp, body[:len(body)-len("</DistributionConfig>")]+"<Aliases><Quantity>0</Quantity></Aliases>") {
		t.Errorf("GetDistributionConfig body\n%s\nwant the sent members verbatim, then the defaults, in\n%s", resp, body)
	}
	if n := strings.Count(resp, "xmlns="); n != 1 {
		t.Errorf("%d xmlns attributes in %s", n, resp)
	}
	_, resp = cfRawRequest(t, http.MethodGet, s.URL()+"/2020-05-31/distribution", "", nil)
	if !strings.Contains(resp, "<Staging>true</Staging>") || !strings.Contains(resp, "<Comment>a &amp; b &lt;c&gt;</Comment>") {
		t.Errorf("summary lacks Staging or Comment: %s", resp)
	}
}
