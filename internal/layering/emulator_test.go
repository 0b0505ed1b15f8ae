package layering

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEmulatorLayering keeps the emulator split by service: each service
// package (every package under internal/emulator/ but the core and the test
// helpers) imports the core and no other service; the core imports no
// service and no other package of the module; and no emulator package
// reaches the code the emulator stands in for AWS for (the sources, the
// engine, the rules, the fixes, the commands).
func TestEmulatorLayering(t *testing.T) {
	const (
		root    = "internal/emulator"
		core    = root + "/core"
		emutest = root + "/emutest"
	)
	out, err := exec.Command("go", "list", module+root+"/...").Output()
	if err != nil {
		t.Fatalf("go list %s/...: %v", root, err)
	}
	var services []string
	for _, p := range strings.Fields(string(out)) {
		rel := strings.TrimPrefix(p, module)
		if rel != root && rel != core && rel != emutest {
			services = append(services, rel)
		}
	}
	if len(services) < 5 {
		t.Fatalf("found %d service packages under %s (%v), want cloudfront, iam, kinesis, organizations, sts at least", len(services), root, services)
	}
	outside := []string{"internal/source/", "internal/engine", "internal/rules", "internal/fix/", "internal/cli", "internal/report", "internal/finding"}
	check := func(pkg string, allowed func(dep string) bool, why string) {
		t.Helper()
		for _, dep := range deps(t, pkg) {
			if dep == module+pkg || !strings.HasPrefix(dep, module) {
				continue
			}
			rel := strings.TrimPrefix(dep, module)
			for _, bad := range outside {
				if strings.HasPrefix(rel, bad) {
					t.Errorf("%s imports %s: the emulator stands in for AWS and knows nothing of what it is tested with", pkg, dep)
				}
			}
			if !allowed(rel) {
				t.Errorf("%s imports %s: %s", pkg, dep, why)
			}
		}
	}
	check(core, func(string) bool { return false }, "the core imports no service and no other package of the module")
	for _, svc := range services {
		check(svc, func(rel string) bool {
			return rel == core || !strings.HasPrefix(rel, root)
		}, "a service imports only the emulator's core, never another service")
	}
	check(root, func(string) bool { return true }, "")
}
