package org

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/finding"
)

func TestSelect(t *testing.T) {
	all := []Account{
		{ID: "111111111111", Name: "mgmt", State: "ACTIVE"},
		{ID: "222222222222", Name: "prod", State: "ACTIVE"},
		{ID: "333333333333", Name: "old", State: "SUSPENDED"},
		{ID: "444444444444", Name: "closing", State: "PENDING_CLOSURE"},
		{ID: "555555555555", Name: "gone", State: "CLOSED"},
		{ID: "666666666666", Name: "web", State: "ACTIVE"},
	}
	skip := func(id, name, reason string) finding.AccountResult {
		return finding.AccountResult{ID: id, Name: name, Status: finding.AccountSkipped, Reason: reason}
	}
	for _, tt := range []struct {
		name     string
		sel      Selection
		under    map[string]bool
		want     []string
		wantSkip []finding.AccountResult
	}{
		{
			name: "everything: suspended and closed accounts are skipped",
			want: []string{"111111111111", "222222222222", "666666666666"},
			wantSkip: []finding.AccountResult{
				skip("333333333333", "old", "account is SUSPENDED"),
				skip("444444444444", "closing", "account is PENDING_CLOSURE"),
				skip("555555555555", "gone", "account is CLOSED"),
			},
		},
		{
			name: "excludes are listed as skipped",
			sel:  Selection{Exclude: []string{"222222222222", "333333333333"}},
			want: []string{"111111111111", "666666666666"},
			wantSkip: []finding.AccountResult{
				skip("222222222222", "prod", "excluded by --exclude-accounts"),
				skip("333333333333", "old", "excluded by --exclude-accounts"),
				skip("444444444444", "closing", "account is PENDING_CLOSURE"),
				skip("555555555555", "gone", "account is CLOSED"),
			},
		},
		{
			name:     "listed accounts only; an ID outside the organization is reported once",
			sel:      Selection{Accounts: []string{"666666666666", "333333333333", "999999999999", "999999999999"}},
			want:     []string{"666666666666"},
			wantSkip: []finding.AccountResult{skip("333333333333", "old", "account is SUSPENDED"), skip("999999999999", "", "not an account of the organization")},
		},
		{
			name:  "accounts under OUs, in organization order",
			sel:   Selection{OUs: []string{"ou-abcd-12345678"}},
			under: map[string]bool{"666666666666": true, "222222222222": true},
			want:  []string{"222222222222", "666666666666"},
		},
		{
			name:  "OUs and listed accounts add up, excludes win",
			sel:   Selection{OUs: []string{"ou-abcd-12345678"}, Accounts: []string{"111111111111"}, Exclude: []string{"666666666666"}},
			under: map[string]bool{"666666666666": true, "222222222222": true},
			want:  []string{"111111111111", "222222222222"},
			wantSkip: []finding.AccountResult{
				skip("666666666666", "web", "excluded by --exclude-accounts"),
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			targets, skipped := Select(all, tt.sel, tt.under)
			var ids []string
			for _, a := range targets {
				ids = append(ids, a.ID)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("targets (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSkip, skipped); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSelectionValidate(t *testing.T) {
	for _, tt := range []struct {
		sel  Selection
		want string
	}{
		{Selection{Accounts: []string{"123456789012"}, OUs: []string{"ou-ab12-abcdefgh", "r-ab12"}, Exclude: []string{"210987654321"}}, ""},
		{Selection{Accounts: []string{"12345"}}, `--accounts: "12345" is not an AWS account ID`},
		{Selection{Exclude: []string{"abcdefghijkl"}}, `--exclude-accounts: "abcdefghijkl"`},
		{Selection{OUs: []string{"Production"}}, `--ou: "Production" is not an organizational unit ID`},
	} {
		err := tt.sel.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: %v", tt.sel, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: error %v, want %q", tt.sel, err, tt.want)
		}
	}
}

func TestReadAccountsFile(t *testing.T) {
	ids, err := ReadAccountsFile("accounts.txt", strings.NewReader("# production\n111111111111\n222222222222, 333333333333 # web\r\n\n  444444444444\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"111111111111", "222222222222", "333333333333", "444444444444"}, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	_, err = ReadAccountsFile("accounts.txt", strings.NewReader("111111111111\nprod-account\n"))
	if err == nil || !strings.Contains(err.Error(), `accounts.txt:2: "prod-account" is not an AWS account ID`) {
		t.Errorf("bad line: %v", err)
	}
}

// fakeTree is an OU tree served page by page, one item per page, so that
// the walk must follow NextToken.
type fakeTree struct {
	accounts map[string][]string // parent -> account IDs
	ous      map[string][]string // parent -> OU IDs
}

func page(items []string, token *string) ([]string, *string) {
	i := 0
	if token != nil {
		i = int((*token)[0] - '0')
	}
	if i >= len(items) {
		return nil, nil
	}
	if i+1 < len(items) {
		return items[i : i+1], aws.String(string(rune('0' + i + 1)))
	}
	return items[i : i+1], nil
}

func (f *fakeTree) ListAccountsForParent(_ context.Context, in *organizations.ListAccountsForParentInput, _ ...func(*organizations.Options)) (*organizations.ListAccountsForParentOutput, error) {
	p := aws.ToString(in.ParentId)
	if _, ok := f.ous[p]; !ok {
		return nil, &orgtypes.ParentNotFoundException{Message: aws.String("no such parent")}
	}
	ids, next := page(f.accounts[p], in.NextToken)
	out := &organizations.ListAccountsForParentOutput{NextToken: next}
	for _, id := range ids {
		out.Accounts = append(out.Accounts, orgtypes.Account{Id: aws.String(id)})
	}
	return out, nil
}

func (f *fakeTree) ListOrganizationalUnitsForParent(_ context.Context, in *organizations.ListOrganizationalUnitsForParentInput, _ ...func(*organizations.Options)) (*organizations.ListOrganizationalUnitsForParentOutput, error) {
	ids, next := page(f.ous[aws.ToString(in.ParentId)], in.NextToken)
	out := &organizations.ListOrganizationalUnitsForParentOutput{NextToken: next}
	for _, id := range ids {
		out.OrganizationalUnits = append(out.OrganizationalUnits, orgtypes.OrganizationalUnit{Id: aws.String(id)})
	}
	return out, nil
}

func TestAccountsUnderRecurses(t *testing.T) {
	tree := &fakeTree{
		accounts: map[string][]string{
			"r-root":            {"100000000000"},
			"ou-root-prod0000":  {"200000000000", "200000000001"},
			"ou-root-web00000":  {"300000000000"},
			"ou-root-deep0000":  {"400000000000", "400000000001", "400000000002"},
			"ou-root-sandbox00": {"500000000000"},
		},
		ous: map[string][]string{
			"r-root":            {"ou-root-prod0000", "ou-root-sandbox00"},
			"ou-root-prod0000":  {"ou-root-web00000"},
			"ou-root-web00000":  {"ou-root-deep0000"},
			"ou-root-deep0000":  {},
			"ou-root-sandbox00": {},
		},
	}
	got, err := AccountsUnder(context.Background(), tree, []string{"ou-root-prod0000"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"200000000000": true, "200000000001": true, "300000000000": true, "400000000000": true, "400000000001": true, "400000000002": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("accounts under Production (-want +got):\n%s", diff)
	}
	_, err = AccountsUnder(context.Background(), tree, []string{"ou-root-nothere0"})
	if err == nil || !strings.Contains(err.Error(), "--ou ou-root-nothere0: no such organizational unit") {
		t.Errorf("unknown OU: %v", err)
	}
}
