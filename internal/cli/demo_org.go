package cli

import (
	"context"
	"fmt"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/engine"
	"github.com/cloudassure/cloudassure/internal/org"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// runDemoOrg seeds the demo organization and scans it as scan aws --org
// does, with the external ID its one member demands. One member has no
// audit role on purpose, so the report always has an ERROR; the exit code
// is 0 unless --exit-code asks for scan's codes.
func runDemoOrg(ctx context.Context, ios *IO, emu *emulator.Server, url string, members int, out outputFlags, eo engine.Options, wantExit bool) error {
	defer orgMemory()()
	prog := newProgress(ios.Err, ios.ErrTTY)
	prog.Message(fmt.Sprintf("starting the demo organization (%d members) on %s…", members, url))
	if _, err := demo.SeedOrg(ctx, emu, live.EndpointConfig(url, nil), members); err != nil {
		prog.Done()
		return err
	}
	prog.Done()
	rep, err := auditOrg(ctx, ios, org.Options{Config: live.EndpointConfig(url, nil), ExternalID: demo.OrgExternalID, Engine: eo})
	if err != nil {
		return err
	}
	if err := out.write(ios, rep); err != nil {
		return err
	}
	if wantExit {
		return exitCode(rep.ExitCode())
	}
	return nil
}
