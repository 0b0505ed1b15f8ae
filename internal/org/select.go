package org

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// Account is an account of the organization as ListAccounts gives it.
type Account struct {
	ID, Name, Email string
	// State is the account's state (ACTIVE, SUSPENDED, PENDING_CLOSURE,
	// CLOSED), from State or, where Organizations gives only that, Status.
	State string
}

// Selection chooses the accounts to audit. With neither Accounts nor OUs
// every account is chosen; otherwise the accounts listed and those anywhere
// under the OUs. Excluded accounts are listed as skipped.
type Selection struct {
	Accounts []string // --accounts and --accounts-file
	OUs      []string // --ou: OU (or root) IDs, searched recursively
	Exclude  []string // --exclude-accounts
}

var (
	accountIDRe = regexp.MustCompile(`^\d{12}$`)
	ouIDRe      = regexp.MustCompile(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
)

// Validate checks that every account ID has 12 digits and every OU ID the
// form of an OU or root ID.
func (s Selection) Validate() error {
	for _, list := range []struct {
		flag string
		ids  []string
	}{{"--accounts", s.Accounts}, {"--exclude-accounts", s.Exclude}} {
		for _, id := range list.ids {
			if !accountIDRe.MatchString(id) {
				return fmt.Errorf("%s: %q is not an AWS account ID (12 digits)", list.flag, id)
			}
		}
	}
	for _, id := range s.OUs {
		if !ouIDRe.MatchString(id) {
			return fmt.Errorf("--ou: %q is not an organizational unit ID (ou-xxxx-xxxxxxxx) or root ID (r-xxxx)", id)
		}
	}
	return nil
}

// ReadAccountsFile reads account IDs from r (named name in errors): one or
// more per line, separated by commas or spaces; "#" starts a comment.
func ReadAccountsFile(name string, r io.Reader) ([]string, error) {
	var ids []string
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' }) {
			if !accountIDRe.MatchString(f) {
				return nil, fmt.Errorf("%s:%d: %q is not an AWS account ID (12 digits)", name, line, f)
			}
			ids = append(ids, f)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ids, nil
}

// Select applies sel to the organization's accounts (in their order), given
// the IDs of the accounts under sel.OUs. It returns the accounts to audit
// and the results of those it skips: suspended or closed accounts, excluded
// ones, and listed IDs that are not in the organization.
func Select(all []Account, sel Selection, underOUs map[string]bool) (targets []Account, skipped []finding.AccountResult) {
	listed := map[string]bool{}
	for _, id := range sel.Accounts {
		listed[id] = true
	}
	excluded := map[string]bool{}
	for _, id := range sel.Exclude {
		excluded[id] = true
	}
	everything := len(sel.Accounts) == 0 && len(sel.OUs) == 0
	inOrg := map[string]bool{}
	for _, a := range all {
		inOrg[a.ID] = true
		if !everything && !listed[a.ID] && !underOUs[a.ID] {
			continue
		}
		switch {
		case excluded[a.ID]:
			skipped = append(skipped, finding.AccountResult{ID: a.ID, Name: a.Name, Status: finding.AccountSkipped, Reason: "excluded by --exclude-accounts"})
		case a.State != string(orgtypes.AccountStateActive):
			skipped = append(skipped, finding.AccountResult{ID: a.ID, Name: a.Name, Status: finding.AccountSkipped, Reason: "account is " + a.State})
		default:
			targets = append(targets, a)
		}
	}
	seen := map[string]bool{}
	for _, id := range sel.Accounts {
		if !inOrg[id] && !seen[id] {
			seen[id] = true
			skipped = append(skipped, finding.AccountResult{ID: id, Status: finding.AccountSkipped, Reason: "not an account of the organization"})
		}
	}
	return targets, skipped
}

// ListAccounts lists every account of the organization, page by page (20 per page).
func ListAccounts(ctx context.Context, c organizations.ListAccountsAPIClient) ([]Account, error) {
	var out []Account
	for p := organizations.NewListAccountsPaginator(c, &organizations.ListAccountsInput{}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("organizations:ListAccounts: %w", err)
		}
		for _, a := range page.Accounts {
			state := string(a.State)
			if state == "" {
				state = string(a.Status)
			}
			out = append(out, Account{ID: aws.ToString(a.Id), Name: aws.ToString(a.Name), Email: aws.ToString(a.Email), State: state})
		}
	}
	return out, nil
}

// TreeClient is the part of the Organizations API that walks OUs.
type TreeClient interface {
	organizations.ListAccountsForParentAPIClient
	organizations.ListOrganizationalUnitsForParentAPIClient
}

// AccountsUnder returns the IDs of the accounts anywhere under the given OUs
// (or roots), walking nested OUs.
func AccountsUnder(ctx context.Context, c TreeClient, ous []string) (map[string]bool, error) {
	out := map[string]bool{}
	visited := map[string]bool{}
	queue := append([]string(nil), ous...)
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		if visited[parent] {
			continue
		}
		visited[parent] = true
		for p := organizations.NewListAccountsForParentPaginator(c, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)}); p.HasMorePages(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, parentError("organizations:ListAccountsForParent", parent, err)
			}
			for _, a := range page.Accounts {
				out[aws.ToString(a.Id)] = true
			}
		}
		for p := organizations.NewListOrganizationalUnitsForParentPaginator(c, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)}); p.HasMorePages(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, parentError("organizations:ListOrganizationalUnitsForParent", parent, err)
			}
			for _, u := range page.OrganizationalUnits {
				queue = append(queue, aws.ToString(u.Id))
			}
		}
	}
	return out, nil
}

func parentError(op, parent string, err error) error {
	var nf *orgtypes.ParentNotFoundException
	if errors.As(err, &nf) {
		return fmt.Errorf("--ou %s: no such organizational unit or root in the organization", parent)
	}
	return fmt.Errorf("%s %s: %w", op, parent, err)
}
