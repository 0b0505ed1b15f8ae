package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cloudassure/cloudassure/internal/browsertest"
)

var dashboardLine = regexp.MustCompile(`dashboard on (http://127\.0\.0\.1:\d+)/`)

// `serve --demo` serves the dashboard: once the first round of scans is
// recorded, the overview shows the demo Organization's share and draws it.
func TestServeDemoDashboard(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "serve", "--demo", "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	base := ""
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := dashboardLine.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		t.Fatal("serve --demo never said where the dashboard is")
	}
	go io.Copy(io.Discard, stderr)
	// Wait for the first recorded round (the overview then shows a share).
	share := regexp.MustCompile(`data-testid="share-now">(\d+ %)`)
	var page string
	for ctx.Err() == nil {
		resp, err := http.Get(base + "/")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if page = string(b); share.MatchString(page) {
				break
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	m := share.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the overview never showed a share: %.300s", page)
	}
	b := browsertest.New(t)
	var shown, points string
	b.Run(t, chromedp.Navigate(base+"/"), chromedp.WaitVisible("#chart-targets canvas", chromedp.ByQuery),
		chromedp.Text(`[data-testid="share-now"]`, &shown, chromedp.ByQuery),
		chromedp.AttributeValue("#chart-targets", "data-points", &points, nil, chromedp.ByQuery))
	if strings.TrimSpace(shown) == "" || points == "" || points == "0" {
		t.Errorf("the overview shows %q with %q chart points", shown, points)
	}
	b.Screenshot(t, browsertest.OutputDir(t), "serve-demo-overview", 1280, 900)
	for _, p := range b.Problems() {
		t.Errorf("the page reported: %s", p)
	}
}
