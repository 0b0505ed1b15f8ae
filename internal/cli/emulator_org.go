package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// seedDemoOrg fills the emulator with the demo organization and says how to
// reach its accounts.
func seedDemoOrg(ctx context.Context, ios *IO, emu *emulator.Server, url string, members int) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	o, err := demo.SeedOrg(ctx, emu, live.EndpointConfig(url, nil), members)
	if err != nil {
		return err
	}
	fmt.Fprintf(ios.Out, "demo organization: management account %s and %d members (OUs:", o.Accounts[0].ID, members)
	for _, name := range []string{"Production", "Web", "Sandbox"} {
		fmt.Fprintf(ios.Out, " %s %s", name, o.OUs[name])
	}
	fmt.Fprintln(ios.Out, ")")
	for _, a := range o.Accounts[1:] {
		note := ""
		switch {
		case a.State != "ACTIVE":
			note = " (" + a.State + ")"
		case !a.Role:
			note = " (no audit role)"
		case a.ExternalID != "":
			note = " (external ID " + a.ExternalID + ")"
		}
		fmt.Fprintf(ios.Out, "  %s %s: %d distributions%s, access key %s\n", a.ID, a.Name, len(a.Cases), note, a.AccessKey)
	}
	fmt.Fprintf(ios.Out, "  every member has %s (administrator access, trusting the management account), as Organizations creates it\n", demo.OrgAccessRoleName)
	fmt.Fprintln(ios.Out, "  try: cloudassure scan aws --org --external-id "+demo.OrgExternalID)
	fmt.Fprintln(ios.Out, "  and: cloudassure fix aws --org   (then --apply --yes)")
	return nil
}
