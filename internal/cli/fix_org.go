package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cloudassure/cloudassure/internal/fix/fixaws"
	"github.com/cloudassure/cloudassure/internal/org"
	"github.com/cloudassure/cloudassure/internal/settings"
)

// fixOrgRoleName is the role fix aws --org assumes in each member by
// default: the administrator role AWS Organizations creates in the accounts
// it creates. The read-only audit role cannot change anything.
const fixOrgRoleName = "OrganizationAccountAccessRole"

// validateOrg checks the organization flags of fix aws.
func (o *fixAWSOptions) validateOrg() error {
	if err := o.org.validate(o.changed); err != nil {
		return err
	}
	if o.org.enabled && o.configARN != "" {
		return errors.New("--config-arn cannot be used with --org: a real-time log config belongs to one account; " +
			"use --config-name to reuse a config of that name in each account, or let each account get its own stream, role and config")
	}
	return nil
}

// runOrg is fix aws --org: one plan per account, shown and saved together,
// applied account by account; or --undo through the backup's account.
func (o *fixAWSOptions) runOrg(ctx context.Context, ios *IO, awsCfg aws.Config) error {
	opts, err := o.org.orgOptions(awsCfg)
	if err != nil {
		return err
	}
	if o.undo != "" {
		return o.runOrgUndo(ctx, ios, opts)
	}
	prog := newProgress(ios.Err, ios.ErrTTY)
	var p *org.Plan
	if o.planIn != "" {
		if p, err = org.LoadPlan(o.planIn); err != nil {
			return err
		}
	} else {
		pol, err := settings.Load(o.policyPath)
		if err != nil {
			return err
		}
		prog.Message("listing the organization's accounts…")
		opts.Progress = func(pr org.Progress) { prog.Count("planning accounts", pr.Done, pr.Total) }
		p, err = org.MakePlan(ctx, org.FixOptions{Options: opts, Plan: fixaws.PlanOptions{
			ConfigName: o.configName, StreamName: o.streamName, Shards: o.shards,
			NoEncryption: o.noEncryption, RoleName: o.roleName, SamplingRate: o.samplingRate, Fields: o.fields, Settings: pol,
			Distributions: o.distributions, ReplaceExisting: o.replaceExisting, IncludeDisabled: o.includeDisabled, Now: o.now,
		}})
		prog.Done()
		opts.Progress = nil
		if err != nil {
			return err
		}
	}
	if o.planOut != "" {
		if err := p.Save(o.planOut); err != nil {
			return err
		}
	}
	if !o.apply {
		if o.format == "json" {
			if err := writeJSON(ios.Out, p); err != nil {
				return err
			}
		} else {
			if err := p.WriteText(ios.Out); err != nil {
				return err
			}
			if p.HasChanges() {
				fmt.Fprintln(ios.Out, "\nTo apply it: cloudassure fix aws --org --apply (the same flags), or save it with --plan-out and apply that file with --org --plan FILE --apply.")
			}
		}
		if !p.Complete() {
			return exitCode(ExitIncomplete)
		}
		return nil
	}
	planOut := ios.Out
	if o.format == "json" {
		planOut = ios.Err
	}
	if o.format == "table" || !o.yes {
		if err := p.WriteText(planOut); err != nil {
			return err
		}
		fmt.Fprintln(planOut)
	}
	if p.HasChanges() && !o.yes {
		ok, err := confirm(ctx, ios, fmt.Sprintf("Apply these plans to the accounts of organization %s? Only 'yes' is accepted: ", p.Organization))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("apply cancelled: nothing was changed")
		}
	}
	ao := fixaws.ApplyOptions{Concurrency: o.concurrency, BackupRoot: o.backupDir, Wait: o.wait, WaitTimeout: o.waitTimeout, Now: o.now}
	if o.tuneApply != nil {
		o.tuneApply(&ao)
	}
	prog.Message("applying the plans…")
	rep, err := org.Apply(ctx, p, opts, ao)
	prog.Done()
	if err != nil {
		return err
	}
	if o.format == "json" {
		if err := writeJSON(ios.Out, struct {
			Plan   *org.Plan      `json:"plan"`
			Report *org.FixReport `json:"report"`
		}{p, rep}); err != nil {
			return err
		}
	} else if err := rep.WriteText(ios.Out); err != nil {
		return err
	}
	if !rep.Complete() || !p.Complete() {
		return exitCode(ExitIncomplete)
	}
	return nil
}

// runOrgUndo restores a backup in its own account, through that account's role.
func (o *fixAWSOptions) runOrgUndo(ctx context.Context, ios *IO, opts org.Options) error {
	b, err := fixaws.LoadBackup(o.undo)
	if err != nil {
		return err
	}
	if !o.yes {
		ok, err := confirm(ctx, ios, fmt.Sprintf("Restore distribution %s of account %s to its config of %s (backup %s)? Only 'yes' is accepted: ",
			b.DistributionID, b.Account, b.TakenAt.Format(time.RFC3339), o.undo))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("undo cancelled: nothing was changed")
		}
	}
	res, err := org.Undo(ctx, o.undo, opts, fixaws.UndoOptions{Force: o.force, BackupRoot: o.backupDir, Now: o.now})
	if err != nil {
		return err
	}
	return writeUndo(ios, o.format, res)
}
