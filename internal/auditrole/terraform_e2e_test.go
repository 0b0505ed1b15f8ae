//go:build e2e

package auditrole_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/org"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// providerVersion is the hashicorp/aws version the module is applied with.
const providerVersion = "5.100.0"

// TestTerraformModuleApplies applies deploy/audit-role/terraform with the
// real Terraform CLI and hashicorp/aws provider into the member of the demo
// organization that has no audit role, checks that a second plan finds no
// drift, audits the organization (that member is now read), and destroys
// it. It needs terraform on PATH and the provider in a filesystem mirror
// (CLOUDASSURE_TF_PLUGIN_DIR, default /opt/tf-plugins), and fails without
// them. Run it with: go test -tags e2e ./internal/auditrole/
func TestTerraformModuleApplies(t *testing.T) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("terraform is not on PATH: %v", err)
	}
	mirror := os.Getenv("CLOUDASSURE_TF_PLUGIN_DIR")
	if mirror == "" {
		mirror = "/opt/tf-plugins"
	}
	if m, _ := filepath.Glob(filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws", providerVersion, runtime.GOOS+"_"+runtime.GOARCH, "terraform-provider-aws_*")); len(m) == 0 {
		t.Fatalf("the hashicorp/aws %s provider is not in the filesystem mirror %s", providerVersion, mirror)
	}
	module, err := filepath.Abs(filepath.Join(deploy, "terraform"))
	if err != nil {
		t.Fatal(err)
	}

	emu := emulator.New(emulator.Options{})
	url, err := emu.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	o, err := demo.SeedOrg(context.Background(), emu, live.EndpointConfig(url, nil), 4)
	if err != nil {
		t.Fatal(err)
	}
	var target *demo.OrgAccount
	for _, a := range o.Accounts[1:] {
		if !a.Role && a.State == "ACTIVE" {
			target = a
		}
	}
	audit := func() map[string]string {
		res, err := org.Run(context.Background(), org.Options{Config: live.EndpointConfig(url, nil), ExternalID: demo.OrgExternalID})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, a := range res.Report.Accounts {
			out[a.ID] = a.Status
		}
		return out
	}
	if s := audit()[target.ID]; s != "error" {
		t.Fatalf("member %s before the module: %s, want error (no role)", target.ID, s)
	}

	dir := t.TempDir()
	rc := filepath.Join(dir, "terraformrc")
	write := func(name, body string) {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(rc, fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }\n  direct {\n    exclude = [\"registry.terraform.io/hashicorp/aws\"]\n  }\n}\n", mirror))
	write(filepath.Join(dir, "main.tf"), fmt.Sprintf(`terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = %q }
  }
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = %q
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    iam = %q
    sts = %q
  }
}
module "audit_role" {
  source            = %q
  trusted_principal = %q
  external_id       = %q
}
output "role_arn" { value = module.audit_role.role_arn }
`, providerVersion, target.AccessKey, url, url, module, o.Accounts[0].ID, demo.OrgExternalID))
	run := func(args ...string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, tf, append(args, "-no-color")...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TF_CLI_CONFIG_FILE=" + rc, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1"}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("terraform %v: %v", args, err)
		}
		return code, out.String()
	}
	for _, step := range [][]string{{"init"}, {"apply", "-auto-approve"}} {
		if code, out := run(step...); code != 0 {
			t.Fatalf("terraform %v: exit %d\n%s", step, code, out)
		}
	}
	if code, out := run("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan after apply: exit %d (drift)\n%s", code, out)
	}
	if code, out := run("output", "-raw", "role_arn"); code != 0 || out != "arn:aws:iam::"+target.ID+":role/CloudAssureAudit" {
		t.Errorf("role_arn output: exit %d %q", code, out)
	}
	got := audit()
	for _, a := range o.Accounts {
		want := "scanned"
		if a.State != "ACTIVE" {
			want = "skipped"
		}
		if got[a.ID] != want {
			t.Errorf("after the module: account %s %s, want %s", a.ID, got[a.ID], want)
		}
	}
	if code, out := run("destroy", "-auto-approve"); code != 0 {
		t.Fatalf("terraform destroy: exit %d\n%s", code, out)
	}
	if s := audit()[target.ID]; s != "error" {
		t.Errorf("member %s after destroy: %s, want error", target.ID, s)
	}
}
