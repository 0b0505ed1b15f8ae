package serve

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/cloudassure/cloudassure/internal/engine"
	"github.com/cloudassure/cloudassure/internal/finding"
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

// LiveScanner scans live accounts through engine.Run.
type LiveScanner struct {
	// BaseConfig returns the SDK configuration of a target before any role is
	// assumed; nil loads it the way the AWS CLI does (profile, region, endpoint).
	BaseConfig func(ctx context.Context, t *TargetConfig) (aws.Config, error)
	// Version is written into reports.
	Version string
}

var _ Scanner = (*LiveScanner)(nil)

func (s *LiveScanner) base(ctx context.Context, t *TargetConfig) (aws.Config, error) {
	if s.BaseConfig != nil {
		return s.BaseConfig(ctx, t)
	}
	cfg, err := live.LoadConfig(ctx, live.ConfigOptions{Profile: t.Profile, Region: t.Region, EndpointURL: t.EndpointURL})
	if err != nil {
		return aws.Config{}, fmt.Errorf("target %s: %w", t.Name, err)
	}
	return cfg, nil
}

// Accounts returns the configured accounts, or the account of the target's credentials.
func (s *LiveScanner) Accounts(ctx context.Context, t *TargetConfig) ([]string, error) {
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
	cfg, err := s.base(ctx, t)
	if err != nil {
		return store.ScanRecord{}, err
	}
	if len(t.Accounts) > 0 {
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
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	res := engine.Run(ctx, engine.NewLive(live.Options{Config: cfg, Concurrency: 8}), engine.Options{
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
	for _, s := range finding.Statuses {
		if strings.EqualFold(string(s), status) {
			f.Status, f.Message = s, msg
			return f
		}
	}
	return f
}
