package demo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/cloudassure/cloudassure/internal/auditrole"
	"github.com/cloudassure/cloudassure/internal/emulator"
)

// OrgExternalID is the external ID the demo organization's external-ID
// member demands in its audit role's trust policy.
const OrgExternalID = "cloudassure-demo-external-id"

// OrgAccessRoleName is the role AWS Organizations creates in every account
// it creates, which fix aws --org assumes by default: administrator access
// (an inline policy AdministratorAccess allowing everything), trusting the
// management account. Every demo member has it.
const OrgAccessRoleName = "OrganizationAccountAccessRole"

// OrgMinMembers is the fewest members a demo organization has: its special
// accounts (suspended, without the audit role, demanding an external ID) and
// one ordinary member.
const OrgMinMembers = 4

// OrgAccount is one account of the demo organization.
type OrgAccount struct {
	ID, Name string
	// State is the account's Organizations state (ACTIVE, SUSPENDED).
	State string
	// OU is the name of the OU the account is in ("" for the root).
	OU string
	// Role says whether the account has the audit role; ExternalID is what
	// its trust policy demands ("" for nothing).
	Role       bool
	ExternalID string
	// Cases are the demo distributions in the account.
	Cases []*Case
	// AccessKey is a long-term access key acting in the member (any secret).
	AccessKey string
}

// OrgAccessKey is the access key ID that acts in a demo member account.
func OrgAccessKey(account string) string { return "AKIASEED" + account }

// Org is the demo organization: the management account first, then the members.
type Org struct {
	Accounts []*OrgAccount
	// OUs maps OU name to ID.
	OUs map[string]string
}

// Account returns the demo account with the given ID, or nil.
func (o *Org) Account(id string) *OrgAccount {
	for _, a := range o.Accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

// SeedOrg turns the emulator that cfg reaches (with the management
// account's credentials) into an organization managed by its
// default account, with members more accounts (at least OrgMinMembers) in
// an OU tree (Production > Web, Sandbox). The demo account's distributions
// are spread over the management account and the members that can be
// audited. The last member is suspended, the one before has no audit role,
// the one before that demands OrgExternalID; every other member has the
// audit role (auditrole.Name) with auditrole.Policy, trusting the
// management account. Every member has OrgAccessRoleName, as the accounts
// Organizations creates do.
func SeedOrg(ctx context.Context, emu *emulator.Server, cfg aws.Config, members int) (*Org, error) {
	if members < OrgMinMembers {
		return nil, fmt.Errorf("demo: an organization needs at least %d members, got %d", OrgMinMembers, members)
	}
	emu.CreateOrganization()
	root := emu.OrganizationRoot()
	out := &Org{OUs: map[string]string{}}
	for _, ou := range []struct{ name, parent string }{{"Production", ""}, {"Web", "Production"}, {"Sandbox", ""}} {
		parent := root
		if ou.parent != "" {
			parent = out.OUs[ou.parent]
		}
		id, err := emu.CreateOrganizationalUnit(parent, ou.name)
		if err != nil {
			return nil, err
		}
		out.OUs[ou.name] = id
	}
	mgmt := &OrgAccount{ID: emu.AccountID(), Name: "management", State: "ACTIVE", Role: false}
	out.Accounts = append(out.Accounts, mgmt)
	ouNames := []string{"Production", "Web", "Sandbox"}
	for i := range members {
		a := &OrgAccount{
			ID: fmt.Sprintf("%012d", 200000000001+i), Name: fmt.Sprintf("member-%02d", i+1),
			State: "ACTIVE", OU: ouNames[i%len(ouNames)], Role: true,
		}
		switch i {
		case members - 1:
			a.State, a.Name = "SUSPENDED", a.Name+"-suspended"
		case members - 2:
			a.Role, a.Name = false, a.Name+"-no-role"
		case members - 3:
			a.ExternalID, a.Name = OrgExternalID, a.Name+"-external-id"
		}
		if err := emu.AddOrganizationAccount(emulator.OrgAccount{ID: a.ID, Name: a.Name, State: a.State, Parent: out.OUs[a.OU]}); err != nil {
			return nil, err
		}
		a.AccessKey = OrgAccessKey(a.ID)
		if err := emu.AddAccessKey(a.AccessKey, a.ID); err != nil {
			return nil, err
		}
		if err := orgAccessRole(ctx, iam.NewFromConfig(memberConfig(cfg, a)), mgmt.ID); err != nil {
			return nil, fmt.Errorf("account %s: %w", a.ID, err)
		}
		out.Accounts = append(out.Accounts, a)
	}
	// The accounts that get distributions: the management account and every
	// member that can be audited.
	var audited []*OrgAccount
	for _, a := range out.Accounts {
		if a.State == "ACTIVE" && (a.Role || a == mgmt) {
			audited = append(audited, a)
		}
	}
	for n, a := range audited {
		cfg := cfg.Copy()
		if a != mgmt {
			cfg = memberConfig(cfg, a)
		}
		s := &seeder{
			cf: cloudfront.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg), kin: kinesis.NewFromConfig(cfg),
			pin: emu.Account(a.ID), account: a.ID, region: cfg.Region,
			keep: func(i int) bool { return i%len(audited) == n },
		}
		cases, err := s.seed(ctx)
		if err != nil {
			return nil, fmt.Errorf("account %s: %w", a.ID, err)
		}
		a.Cases = cases
		if a.Role {
			if err := auditRole(ctx, iam.NewFromConfig(cfg), mgmt.ID, a.ExternalID); err != nil {
				return nil, fmt.Errorf("account %s: %w", a.ID, err)
			}
		}
	}
	return out, nil
}

// memberConfig is cfg acting in member a, with its access key.
func memberConfig(cfg aws.Config, a *OrgAccount) aws.Config {
	c := cfg.Copy()
	c.Credentials = credentials.NewStaticCredentialsProvider(a.AccessKey, "demo-secret", "")
	return c
}

// OrgAccessPolicy is the inline policy of OrgAccessRoleName, as
// Organizations gives it: everything allowed.
const OrgAccessPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// orgAccessRole creates OrgAccessRoleName in a member as Organizations
// does: trusting the management account, with the inline policy
// AdministratorAccess.
func orgAccessRole(ctx context.Context, c *iam.Client, mgmt string) error {
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}`, mgmt)
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String(OrgAccessRoleName), AssumeRolePolicyDocument: aws.String(trust),
	}); err != nil {
		return fmt.Errorf("demo: create %s: %w", OrgAccessRoleName, err)
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(OrgAccessRoleName), PolicyName: aws.String("AdministratorAccess"), PolicyDocument: aws.String(OrgAccessPolicy),
	}); err != nil {
		return fmt.Errorf("demo: put %s policy: %w", OrgAccessRoleName, err)
	}
	return nil
}

// auditRole creates the audit role trusting the management account.
func auditRole(ctx context.Context, c *iam.Client, mgmt, externalID string) error {
	cond := ""
	if externalID != "" {
		cond = fmt.Sprintf(`,"Condition":{"StringEquals":{"sts:ExternalId":%q}}`, externalID)
	}
	trust := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"%s}]}`, mgmt, cond)
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: aws.String(auditrole.Name), AssumeRolePolicyDocument: aws.String(trust),
	}); err != nil {
		return fmt.Errorf("demo: create audit role: %w", err)
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(auditrole.Name), PolicyName: aws.String("cloudassure-audit"), PolicyDocument: aws.String(auditrole.Policy),
	}); err != nil {
		return fmt.Errorf("demo: put audit role policy: %w", err)
	}
	return nil
}
