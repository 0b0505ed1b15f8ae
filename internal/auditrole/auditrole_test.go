package auditrole_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/auditrole"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/org"
	"github.com/cloudassure/cloudassure/internal/source/iac"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

var (
	root   = filepath.Join("..", "..")
	deploy = filepath.Join(root, "deploy", "audit-role")
)

// jsonValue decodes a JSON document into a comparable value.
func jsonValue(t *testing.T, name, doc string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func policy(t *testing.T) any { return jsonValue(t, "auditrole.Policy", auditrole.Policy) }

// TestREADMEPolicy: the README documents exactly the audit role's policy.
func TestREADMEPolicy(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i := strings.Index(readme, "### IAM permissions for an audit")
	if i < 0 {
		t.Fatal("README has no section on the audit's IAM permissions")
	}
	block := readme[i:]
	start := strings.Index(block, "```json\n")
	end := strings.Index(block[start+8:], "```")
	if start < 0 || end < 0 {
		t.Fatal("no JSON block in the README's audit permissions section")
	}
	if diff := cmp.Diff(policy(t), jsonValue(t, "README", block[start+8:start+8+end])); diff != "" {
		t.Errorf("README policy differs from auditrole.Policy (-want +got):\n%s", diff)
	}
}

// TestTerraformModule: the module attaches policy.json, which is exactly
// the policy, and trusts var.trusted_principal with the optional external ID.
func TestTerraformModule(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(deploy, "terraform", "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(policy(t), jsonValue(t, "policy.json", string(b))); diff != "" {
		t.Errorf("policy.json differs from auditrole.Policy (-want +got):\n%s", diff)
	}
	path := filepath.Join(deploy, "terraform", "main.tf")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	text := func(e hcl.Expression) string { return string(e.Range().SliceBytes(src)) }
	found := map[string]bool{}
	for _, blk := range f.Body.(*hclsyntax.Body).Blocks {
		if len(blk.Labels) != 2 {
			continue
		}
		switch blk.Type + "." + blk.Labels[0] + "." + blk.Labels[1] {
		case "resource.aws_iam_role_policy.audit":
			found["policy"] = true
			if got := text(blk.Body.Attributes["policy"].Expr); got != `file("${path.module}/policy.json")` {
				t.Errorf("aws_iam_role_policy.audit policy = %s, want policy.json", got)
			}
		case "resource.aws_iam_role.audit":
			found["role"] = true
			if got := text(blk.Body.Attributes["name"].Expr); got != "var.role_name" {
				t.Errorf("role name = %s", got)
			}
		case "data.aws_iam_policy_document.trust":
			found["trust"] = true
			s := string(blk.Range().SliceBytes(src))
			for _, want := range []string{"var.trusted_principal", `"sts:ExternalId"`, "var.external_id", `"sts:AssumeRole"`} {
				if !strings.Contains(s, want) {
					t.Errorf("trust policy lacks %s", want)
				}
			}
		}
	}
	if len(found) != 3 {
		t.Errorf("main.tf: found %v, want the role, its policy and the trust document", found)
	}
	b, err = os.ReadFile(filepath.Join(deploy, "terraform", "variables.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `default     = "`+auditrole.Name+`"`) {
		t.Errorf("variables.tf: role_name does not default to %s", auditrole.Name)
	}
}

// template reads the CloudFormation template as YAML nodes.
func template(t *testing.T) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deploy, "cloudformation.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0]
}

func child(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// resolve evaluates the template's intrinsics that the role uses (!Ref of a
// parameter or AWS::NoValue, !If on HasExternalId) into plain values.
func resolve(t *testing.T, n *yaml.Node, params map[string]string) (any, bool) {
	t.Helper()
	switch {
	case n.Tag == "!Ref":
		if n.Value == "AWS::NoValue" {
			return nil, false
		}
		v, ok := params[n.Value]
		if !ok {
			t.Fatalf("!Ref %s: no such parameter", n.Value)
		}
		return v, true
	case n.Tag == "!If":
		if len(n.Content) != 3 || n.Content[0].Value != "HasExternalId" {
			t.Fatalf("unexpected !If at line %d", n.Line)
		}
		if params["ExternalId"] != "" {
			return resolve(t, n.Content[1], params)
		}
		return resolve(t, n.Content[2], params)
	case n.Kind == yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if v, ok := resolve(t, n.Content[i+1], params); ok {
				m[n.Content[i].Value] = v
			}
		}
		return m, true
	case n.Kind == yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			if v, ok := resolve(t, c, params); ok {
				l = append(l, v)
			}
		}
		return l, true
	case n.Tag != "" && n.Tag != "!!str" && n.Tag[0] == '!' && !strings.HasPrefix(n.Tag, "!!"):
		t.Fatalf("intrinsic %s at line %d is not handled", n.Tag, n.Line)
	}
	return n.Value, true
}

// TestCloudFormationTemplate: the template creates the role with exactly the
// policy, its parameters have the defaults cloudassure uses, and the roles
// it makes can be assumed by the trusted principal, with the external ID
// when one is set: an organization scan reads accounts that deployed it.
func TestCloudFormationTemplate(t *testing.T) {
	tpl := template(t)
	role := child(child(tpl, "Resources"), "AuditRole")
	props := child(role, "Properties")
	if child(role, "Type").Value != "AWS::IAM::Role" {
		t.Fatal("AuditRole is not an AWS::IAM::Role")
	}
	pols := child(props, "Policies")
	if len(pols.Content) != 1 {
		t.Fatalf("%d inline policies, want 1", len(pols.Content))
	}
	var doc any
	if err := child(pols.Content[0], "PolicyDocument").Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(policy(t), doc); diff != "" {
		t.Errorf("template policy differs from auditrole.Policy (-want +got):\n%s", diff)
	}
	params := child(tpl, "Parameters")
	for name, want := range map[string]string{"RoleName": auditrole.Name, "RolePath": "/", "ExternalId": ""} {
		if got := child(child(params, name), "Default").Value; got != want {
			t.Errorf("parameter %s defaults to %q, want %q", name, got, want)
		}
	}
	if child(child(params, "ExternalId"), "NoEcho").Value != "true" {
		t.Error("ExternalId is not NoEcho")
	}

	// Deploy the template's role (parameters resolved) into members of an
	// emulated organization and audit them.
	emu := emulator.New(emulator.Options{})
	url, err := emu.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	emu.CreateOrganization()
	mgmt := emu.AccountID()
	for i, externalID := range []string{"", "stackset-external-id"} {
		account := fmt.Sprintf("3000000000%02d", i+1)
		if err := emu.AddOrganizationAccount(emulator.OrgAccount{ID: account}); err != nil {
			t.Fatal(err)
		}
		key := "AKIATPL" + account
		if err := emu.AddAccessKey(key, account); err != nil {
			t.Fatal(err)
		}
		cfg := live.EndpointConfig(url, nil)
		cfg.Credentials = credentials.NewStaticCredentialsProvider(key, "s", "")
		values := map[string]string{"TrustedPrincipal": mgmt, "ExternalId": externalID, "RoleName": auditrole.Name, "RolePath": "/"}
		trust, _ := resolve(t, child(props, "AssumeRolePolicyDocument"), values)
		trustJSON, _ := json.Marshal(trust)
		policyJSON, _ := json.Marshal(doc)
		c := iam.NewFromConfig(cfg)
		ctx := context.Background()
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(values["RoleName"]), Path: aws.String(values["RolePath"]), AssumeRolePolicyDocument: aws.String(string(trustJSON))}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(auditrole.Name), PolicyName: aws.String("CloudAssureAudit"), PolicyDocument: aws.String(string(policyJSON))}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		externalID string
		want       map[string]string
	}{
		{"stackset-external-id", map[string]string{mgmt: "scanned", "300000000001": "scanned", "300000000002": "scanned"}},
		{"", map[string]string{mgmt: "scanned", "300000000001": "scanned", "300000000002": "error"}},
	} {
		res, err := org.Run(context.Background(), org.Options{Config: live.EndpointConfig(url, nil), ExternalID: tt.externalID})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, a := range res.Report.Accounts {
			got[a.ID] = a.Status
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("external ID %q: accounts (-want +got):\n%s", tt.externalID, diff)
		}
	}
}

// TestScanIaCReadsTheTemplates: cloudassure's own IaC scan reads both
// without an error (they define no CloudFront distribution to judge).
func TestScanIaCReadsTheTemplates(t *testing.T) {
	inv, err := iac.Read(context.Background(), iac.Options{Paths: []string{deploy}})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range inv.Errors {
		t.Errorf("scan iac: %s", e.Message)
	}
	if len(inv.Distributions) != 0 {
		t.Errorf("%d distributions in the audit role templates", len(inv.Distributions))
	}
}
