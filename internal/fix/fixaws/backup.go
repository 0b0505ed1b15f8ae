package fixaws

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/cloudassure/cloudassure/internal/awserr"
	"github.com/cloudassure/cloudassure/internal/fix/fixplan"
)

// BackupVersion is the backup format this package writes and reads.
const BackupVersion = 1

// Backup is a distribution config as it was before cloudassure changed it,
// with what the change was, so that Undo can restore it and tell whether
// anyone changed the distribution since.
type Backup struct {
	Version        int       `json:"version"`
	Account        string    `json:"account"`
	DistributionID string    `json:"distribution_id"`
	TakenAt        time.Time `json:"taken_at"`
	// Reason is "fix" for a backup taken before a fix, "undo" before an undo.
	Reason string `json:"reason"`
	// ETag is the version DistributionConfig was read at.
	ETag string `json:"etag"`
	// ConfigARN and Behaviors are what the fix sets: the behaviors that
	// gain ConfigARN. Empty for an undo backup.
	ConfigARN string             `json:"config_arn,omitempty"`
	Behaviors []fixplan.Behavior `json:"behaviors,omitempty"`
	// AppliedETag is the version the change produced, once it succeeded.
	AppliedETag string `json:"applied_etag,omitempty"`
	// DistributionConfig is the config as read, in the SDK's field names.
	DistributionConfig *cftypes.DistributionConfig `json:"distribution_config"`
}

// DefaultBackupRoot is where backups go without --backup-dir:
// ~/.cloudassure/backups.
func DefaultBackupRoot() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the home directory for backups (use --backup-dir): %w", err)
	}
	return filepath.Join(home, ".cloudassure", "backups"), nil
}

// backupDir returns root/<account>, creating it private to the user; an
// account that is not 12 digits is refused.
func backupDir(root, account string) (string, error) {
	if err := checkAccountID(account); err != nil {
		return "", fmt.Errorf("backup directory: %w", err)
	}
	if root == "" {
		var err error
		if root, err = DefaultBackupRoot(); err != nil {
			return "", err
		}
	}
	dir := filepath.Join(root, account)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("backup directory: %w", err)
	}
	return dir, nil
}

// stamp is a file-name-safe timestamp with nanoseconds, so two runs never
// share a backup file.
func stamp(t time.Time) string { return t.UTC().Format("20060102T150405.000000000Z") }

// Save writes the backup to path atomically and durably (see
// fixplan.WriteFileAtomic): once Save returns, the backup is on disk.
func (b *Backup) Save(path string) error {
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	if err := fixplan.WriteFileAtomic(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing backup %s: %w", path, err)
	}
	return nil
}

// LoadBackup reads a backup written by a fix.
func LoadBackup(path string) (*Backup, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", path, err)
	}
	var b Backup
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("backup %s: %w", path, err)
	}
	switch {
	case b.Version != BackupVersion:
		return nil, fmt.Errorf("backup %s: format version %d is not supported", path, b.Version)
	case b.DistributionID == "" || b.DistributionConfig == nil:
		return nil, fmt.Errorf("backup %s: no distribution config in it", path)
	}
	return &b, nil
}

// fixed returns the config the fix this backup was taken for wrote.
func (b *Backup) fixed() *cftypes.DistributionConfig {
	c := CopyConfig(b.DistributionConfig)
	for _, bh := range b.Behaviors {
		if f := behaviorARN(c, bh); f != nil {
			*f = aws.String(b.ConfigARN)
		}
	}
	return c
}

// UndoOptions configure Undo.
type UndoOptions struct {
	Config aws.Config
	// Force restores the backup even when the distribution was changed
	// after the fix, losing those changes.
	Force bool
	// BackupRoot is where the config replaced by the undo is backed up
	// (under <account>/); default DefaultBackupRoot.
	BackupRoot string
	Now        func() time.Time
}

// Undo statuses.
const (
	UndoRestored  = "restored"
	UndoUnchanged = "unchanged" // the distribution already has the backed-up config
	UndoRefused   = "refused"   // changed since the fix, and no Force
	UndoFailed    = "failed"
)

// UndoResult says what Undo did.
type UndoResult struct {
	Backup         string `json:"backup"`
	DistributionID string `json:"distribution_id"`
	Status         string `json:"status"`
	Reason         string `json:"reason,omitempty"`
	ETagBefore     string `json:"etag_before,omitempty"`
	ETagAfter      string `json:"etag_after,omitempty"`
	// SafetyBackup is the backup of the config the undo replaced.
	SafetyBackup string `json:"safety_backup,omitempty"`
	Forced       bool   `json:"forced,omitempty"`
}

// Undo restores the distribution config saved in the backup at path. It
// refuses, unless o.Force, when the distribution is no longer what the fix
// made of it. The config it replaces is backed up first.
func Undo(ctx context.Context, path string, o UndoOptions) (*UndoResult, error) {
	b, err := LoadBackup(path)
	if err != nil {
		return nil, err
	}
	id, err := callerIdentity(ctx, o.Config, nil)
	if err != nil {
		return nil, err
	}
	if b.Account != "" && b.Account != id.account {
		return nil, fmt.Errorf("backup %s is of account %s, but the credentials are of account %s", path, b.Account, id.account)
	}
	now := nowFunc(o.Now)
	res := &UndoResult{Backup: path, DistributionID: b.DistributionID}
	cf := cloudfront.NewFromConfig(o.Config)
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		if attempt > 1 && ctx.Err() != nil {
			res.Status, res.Reason = UndoFailed, "interrupted"
			return res, nil
		}
		cur, err := cf.GetDistributionConfig(wctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(b.DistributionID)})
		if err != nil {
			res.Status, res.Reason = UndoFailed, callErr("cloudfront:GetDistributionConfig", err).Error()
			return res, nil
		}
		etag := aws.ToString(cur.ETag)
		res.ETagBefore = etag
		if reflect.DeepEqual(cur.DistributionConfig, b.DistributionConfig) {
			res.Status, res.Reason = UndoUnchanged, "the distribution already has the backed-up config"
			return res, nil
		}
		asFixed := (b.AppliedETag != "" && etag == b.AppliedETag) || reflect.DeepEqual(cur.DistributionConfig, b.fixed())
		if !asFixed {
			if !o.Force {
				res.Status = UndoRefused
				res.Reason = "the distribution was changed after the fix; restoring the backup would undo those changes too " +
					"(--force restores it anyway):\n" + configDiff(b.fixed(), cur.DistributionConfig)
				return res, nil
			}
			res.Forced = true
		}
		dir, err := backupDir(o.BackupRoot, id.account)
		if err != nil {
			return nil, err
		}
		safety := &Backup{
			Version: BackupVersion, Account: id.account, DistributionID: b.DistributionID, TakenAt: now().UTC(),
			Reason: "undo", ETag: etag, DistributionConfig: cur.DistributionConfig,
		}
		if res.SafetyBackup, err = backupPath(dir, b.DistributionID, stamp(safety.TakenAt)+"-before-undo"); err != nil {
			return nil, fmt.Errorf("backup %s: %w", path, err)
		}
		if err := safety.Save(res.SafetyBackup); err != nil {
			return nil, err
		}
		out, err := cf.UpdateDistribution(wctx, &cloudfront.UpdateDistributionInput{
			Id: aws.String(b.DistributionID), IfMatch: aws.String(etag), DistributionConfig: b.DistributionConfig,
		})
		if awserr.Code(err) == "PreconditionFailed" {
			os.Remove(res.SafetyBackup)
			res.SafetyBackup = ""
			continue // changed between the check and the update: check again
		}
		if err != nil {
			res.Status, res.Reason = UndoFailed, callErr("cloudfront:UpdateDistribution", err).Error()
			return res, nil
		}
		res.Status, res.ETagAfter = UndoRestored, aws.ToString(out.ETag)
		return res, nil
	}
	res.Status = UndoFailed
	res.Reason = fmt.Sprintf("the distribution kept changing: %d attempts got PreconditionFailed", MaxAttempts)
	return res, nil
}
