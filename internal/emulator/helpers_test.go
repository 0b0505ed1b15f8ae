package emulator

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cloudassure/cloudassure/internal/source/live"
)

// startEmulator starts an emulator on loopback and returns it with an SDK
// config that points every service at it.
func startEmulator(t testing.TB, opts Options) (*Server, aws.Config) {
	t.Helper()
	s := New(opts)
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, live.EndpointConfig(url, nil)
}

// awsCLI returns the path of an AWS CLI v2, or skips the test when there is none.
// CI installs it (Debian package awscli); a pyenv shim may shadow it with v1.
func awsCLI(t testing.TB) string {
	t.Helper()
	if p := findCLI(); p != "" {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("AWS CLI v2 not found; .ci/run must install the awscli package")
	}
	t.Skip("AWS CLI v2 not installed")
	return ""
}

// findCLI looks for an AWS CLI v2 once per test binary.
var findCLI = sync.OnceValue(func() string {
	for _, p := range []string{"/usr/bin/aws", "/usr/local/bin/aws"} {
		out, err := exec.Command(p, "--version").CombinedOutput()
		if err == nil && strings.HasPrefix(string(out), "aws-cli/2") {
			return p
		}
	}
	return ""
})

// runCLI runs the AWS CLI v2 against the emulator at url and returns stdout.
// It fails the test when the command fails, unless wantErr is set, in which
// case it returns the combined output.
func runCLI(t testing.TB, url string, wantErr bool, args ...string) string {
	t.Helper()
	bin := awsCLI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60_000_000_000)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--endpoint-url", url, "--region", "us-east-1", "--output", "json"}, args...)...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=", "AWS_RETRY_MODE=standard", "AWS_MAX_ATTEMPTS=1",
	)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if wantErr {
		if err == nil {
			t.Fatalf("aws %s: want an error, got success: %s", strings.Join(args, " "), stdout.String())
		}
		return stdout.String() + stderr.String()
	}
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}
