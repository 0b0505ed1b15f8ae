package serve

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudassure/cloudassure/internal/engine"
	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/org"
	"github.com/cloudassure/cloudassure/internal/source/live"
	"github.com/cloudassure/cloudassure/internal/store"
)

// Scanner reads and judges the accounts of a target. The service needs no
// more than this, so that an Organizations fan-out can stand behind it.
type Scanner interface {
	// Accounts lists the accounts the target covers now.
	Accounts(ctx context.Context, t *TargetConfig) ([]string, error)
	// Scan reads and judges one account. A read that could not finish is
	// not an error: it yields a record with Complete false.
	Scan(ctx context.Context, t *TargetConfig, account string) (store.ScanRecord, error)
}

// LiveScanner scans live accounts through engine.Run, and Organizations
// through internal/org (listing, selection, the audit role in each member,
// per-account rate limits).
type LiveScanner struct {
	// BaseConfig returns the SDK configuration of a target before any role is
	// assumed; nil loads it the way the AWS CLI does (profile, region, endpoint).
	BaseConfig func(ctx context.Context, t *TargetConfig) (aws.Config, error)
	// Version is written into reports.
	Version string

	mu   sync.Mutex
	orgs map[string]*org.Org // per target, listed by the latest round this process ran
}

func (s *LiveScanner) openOrg(ctx context.Context, t *TargetConfig, fresh bool) (*org.Org, error) {
	s.mu.Lock()
	o := s.orgs[t.Name]
	s.mu.Unlock()
	if o != nil && !fresh {
		return o, nil
	}
	cfg, err := s.base(ctx, t)
	if err != nil {
		return nil, err
	}
	o, err = org.Open(ctx, org.Options{Config: cfg, RoleName: t.RoleName, ExternalID: t.ExternalID,
		Selection: org.Selection{Accounts: t.Accounts, OUs: t.OUs, Exclude: t.ExcludeAccounts}})
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", t.Name, err)
	}
	s.mu.Lock()
	if s.orgs == nil {
		s.orgs = map[string]*org.Org{}
	}
	s.orgs[t.Name] = o
	s.mu.Unlock()
	return o, nil
}

var _ Scanner = (*LiveScanner)(nil)

// base is the target's SDK configuration; every call made with it, or with
// a configuration derived from it (members' roles), waits for the target's
// call budget when the call's context carries one.
func (s *LiveScanner) base(ctx context.Context, t *TargetConfig) (aws.Config, error) {
	var cfg aws.Config
	var err error
	if s.BaseConfig != nil {
		cfg, err = s.BaseConfig(ctx, t)
	} else if cfg, err = live.LoadConfig(ctx, live.ConfigOptions{Profile: t.Profile, Region: t.Region, EndpointURL: t.EndpointURL}); err != nil {
		err = fmt.Errorf("target %s: %w", t.Name, err)
	}
	if err != nil {
		return aws.Config{}, err
	}
	cfg.APIOptions = append(slices.Clone(cfg.APIOptions), attachCallBudget)
	return cfg, nil
}

// Accounts returns the configured accounts, or the account of the target's credentials.
func (s *LiveScanner) Accounts(ctx context.Context, t *TargetConfig) ([]string, error) {
	if t.Org {
		o, err := s.openOrg(ctx, t, true)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(o.Targets))
		for i, a := range o.Targets {
			ids[i] = a.ID
		}
		return ids, nil
	}
	if len(t.Accounts) > 0 {
		return t.Accounts, nil
	}
	cfg, err := s.base(ctx, t)
	if err != nil {
		return nil, err
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("target %s: sts:GetCallerIdentity: %w", t.Name, err)
	}
	return []string{aws.ToString(out.Account)}, nil
}

// Scan reads one account (assuming the target's role in it when the target
// lists accounts) and judges it with the target's rules and settings.
func (s *LiveScanner) Scan(ctx context.Context, t *TargetConfig, account string) (store.ScanRecord, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	var cfg aws.Config
	var err error
	if t.Org {
		o, err := s.openOrg(ctx, t, false)
		if err != nil {
			return store.ScanRecord{}, err
		}
		started := time.Now().UTC()
		if cfg, err = o.AccountConfig(ctx, account, nil); err != nil {
			// The role cannot be assumed (removed, trust changed): nothing could be read.
			now := time.Now().UTC()
			rec := RecordFromReport(t, account, &finding.Report{StartedAt: started, FinishedAt: now})
			rec.Complete = false
			rec.Errors = []finding.ScanError{{Message: fmt.Sprintf("assume %s: %v", o.RoleARN(account), err), Operation: "sts:AssumeRole", Action: "sts:AssumeRole"}}
			return rec, nil
		}
	} else if cfg, err = s.base(ctx, t); err != nil {
		return store.ScanRecord{}, err
	}
	if !t.Org && len(t.Accounts) > 0 {
		role := fmt.Sprintf("arn:aws:iam::%s:role/%s", account, t.RoleName)
		prov := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), role, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "cloudassure"
			if t.ExternalID != "" {
				o.ExternalID = aws.String(t.ExternalID)
			}
		})
		cfg = cfg.Copy()
		cfg.Credentials = aws.NewCredentialsCache(prov)
	}
	res := engine.Run(ctx, live.NewSource(live.Options{Config: cfg, Concurrency: 8}), engine.Options{
		Rules: t.rules, Settings: engine.Settings{File: t.settings, IncludeDisabled: t.IncludeDisabled}, Version: s.Version,
	})
	return RecordFromReport(t, account, res.Report), nil
}

// RecordFromReport turns an engine report of one account into a store record.
// The scan is complete only when the report has no errors.
func RecordFromReport(t *TargetConfig, account string, rep *finding.Report) store.ScanRecord {
	rec := store.ScanRecord{
		Target: t.Name, AccountID: account, StartedAt: rep.StartedAt, FinishedAt: rep.FinishedAt,
		Complete: len(rep.Errors) == 0, Errors: rep.Errors, APICalls: rep.Summary.APICalls,
	}
	for _, r := range t.rules {
		rec.Rules = append(rec.Rules, r.ID)
	}
	for _, f := range rep.Findings {
		rec.Findings = append(rec.Findings, Unsuppressed(f))
	}
	return rec
}

// Unsuppressed gives a suppressed finding back the status the rule gave it
// (the engine reports suppressed findings as SKIP, their message prefixed
// "suppressed (fail): "); the store keeps status and suppression apart.
func Unsuppressed(f finding.Finding) finding.Finding {
	if f.Suppression == nil || f.Status != finding.Skip {
		return f
	}
	rest, ok := strings.CutPrefix(f.Message, "suppressed (")
	if !ok {
		return f
	}
	status, msg, ok := strings.Cut(rest, "): ")
	if !ok {
		return f
	}
	for _, s := range finding.Statuses() {
		if strings.EqualFold(string(s), status) {
			f.Status, f.Message = s, msg
			return f
		}
	}
	return f
}
