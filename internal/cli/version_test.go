package cli

import (
	"bytes"
	"encoding/json"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVersionCommand(t *testing.T) {
	stamped := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/cloudassure/cloudassure", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-11-30T12:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	devel := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/cloudassure/cloudassure", Version: "(devel)"}}
	tests := []struct {
		name     string
		info     *debug.BuildInfo
		args     []string
		text     string
		json     *versionInfo
		exitCode int
	}{
		{name: "stamped", info: stamped, text: "cloudassure v1.4.0 (revision 0123456789ab, 2026-11-30T12:00:00Z, modified) go1.26.8\n"},
		{name: "stamped json", info: stamped, args: []string{"--format", "json"}, json: &versionInfo{
			Version: "v1.4.0", Module: "github.com/cloudassure/cloudassure", Revision: "0123456789abcdef0123456789abcdef01234567",
			Time: "2026-11-30T12:00:00Z", Modified: true, GoVersion: "go1.26.8"}},
		{name: "devel build", info: devel, text: "cloudassure dev go1.26.8\n"},
		{name: "no build info", info: nil, args: []string{"--format", "json"}, json: &versionInfo{Version: "dev"}},
		{name: "bad format", info: stamped, args: []string{"--format", "xml"}, exitCode: ExitIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			ios := &IO{In: strings.NewReader(""), Out: &out, Err: &errb}
			cmd := newVersionCmd(ios, func() (*debug.BuildInfo, bool) { return tt.info, tt.info != nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&out)
			cmd.SetErr(&errb)
			err := cmd.Execute()
			if tt.exitCode != 0 {
				if err == nil {
					t.Fatalf("no error; stdout %q", out.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.json != nil {
				var got versionInfo
				if err := json.Unmarshal(out.Bytes(), &got); err != nil {
					t.Fatalf("%v: %s", err, out.String())
				}
				if diff := cmp.Diff(*tt.json, got); diff != "" {
					t.Errorf("JSON (-want +got):\n%s", diff)
				}
				return
			}
			if out.String() != tt.text {
				t.Errorf("stdout %q, want %q", out.String(), tt.text)
			}
		})
	}
	// Wired into the root command.
	ios, out, _ := testIO()
	if code := Execute(t.Context(), ios, []string{"version", "--format", "json"}); code != ExitOK || !strings.Contains(out.String(), `"version"`) {
		t.Errorf("cloudassure version: exit %d, %q", code, out.String())
	}
}
