package cli

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// versionInfo is what `cloudassure version --format json` prints.
type versionInfo struct {
	// Version is the module version (v1.2.3, or a pseudo-version for go
	// install @commit), "dev" for a build from a checkout.
	Version string `json:"version"`
	// Module is the main module's path.
	Module string `json:"module,omitempty"`
	// Revision, Time and Modified come from the VCS stamp of a build in a
	// checkout: the commit, its time, and whether the tree had changes.
	Revision  string `json:"revision,omitempty"`
	Time      string `json:"time,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go_version,omitempty"`
}

// buildVersion reads the version from the build info that read returns.
func buildVersion(read func() (*debug.BuildInfo, bool)) versionInfo {
	v := versionInfo{Version: "dev"}
	bi, ok := read()
	if !ok || bi == nil {
		return v
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Version = bi.Main.Version
	}
	v.Module, v.GoVersion = bi.Main.Path, bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// String is the one-line text form.
func (v versionInfo) String() string {
	var extra []string
	if v.Revision != "" {
		rev := v.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		extra = append(extra, "revision "+rev)
	}
	if v.Time != "" {
		extra = append(extra, v.Time)
	}
	if v.Modified {
		extra = append(extra, "modified")
	}
	s := "cloudassure " + v.Version
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	if v.GoVersion != "" {
		s += " " + v.GoVersion
	}
	return s
}

// newVersionCmd builds `cloudassure version`; read is debug.ReadBuildInfo
// outside tests.
func newVersionCmd(ios *IO, read func() (*debug.BuildInfo, bool)) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print cloudassure's version and the commit it was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := buildVersion(read)
			switch format {
			case "text":
				_, err := fmt.Fprintln(ios.Out, v.String())
				return err
			case "json":
				return writeJSON(ios.Out, v)
			}
			return fmt.Errorf("unknown format %q: use text or json", format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	return cmd
}
