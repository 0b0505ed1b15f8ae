package main

import (
	"os"
	"strings"
	"testing"
)

// TestCIScript checks that CI keeps go.mod tidy and never passes on cached
// test results: .ci/run must run `go mod tidy -diff` and export
// GOFLAGS with -count=1 before its go test command.
func TestCIScript(t *testing.T) {
	b, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	var tidy, count, test int
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		switch {
		case strings.Contains(line, "go mod tidy -diff") && tidy == 0:
			tidy = i + 1
		case strings.HasPrefix(line, "export GOFLAGS=") && strings.Contains(line, "-count=1") && count == 0:
			count = i + 1
		case strings.HasPrefix(line, "go test ") && test == 0:
			test = i + 1
		}
	}
	if test == 0 {
		t.Fatal(".ci/run runs no go test")
	}
	if tidy == 0 || tidy > test {
		t.Errorf(".ci/run does not check go mod tidy -diff before testing (tidy line %d, test line %d)", tidy, test)
	}
	if count == 0 || count > test {
		t.Errorf(".ci/run does not export GOFLAGS=-count=1 before testing (line %d, test line %d)", count, test)
	}
}
