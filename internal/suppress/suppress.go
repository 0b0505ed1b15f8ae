// Package suppress turns findings the team has accepted into SKIPs that
// carry the reason, from inline comments or metadata on the resource and from
// the ignore list of .cloudassure.yaml. Nothing is dropped.
package suppress

import (
	"fmt"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/settings"
)

// Apply marks every finding covered by an ignore as SKIP with its reason and
// returns the config entries that have expired (they no longer apply).
func Apply(fs []finding.Finding, inv *model.Inventory, ignores []settings.Ignore, now time.Time) []settings.Ignore {
	inline := map[string][]model.Ignore{}
	for _, d := range inv.Distributions {
		if len(d.Ignores) > 0 {
			inline[key(d.Type, d.ID, d.Range.File)] = d.Ignores
		}
	}
	var active, expired []settings.Ignore
	for _, ig := range ignores {
		if ig.Expired(now) {
			expired = append(expired, ig)
		} else {
			active = append(active, ig)
		}
	}
	for i := range fs {
		f := &fs[i]
		file := ""
		if f.Location != nil {
			file = f.Location.File
		}
		if s := inlineMatch(inline[key(f.Resource.Type, f.Resource.ID, file)], f.RuleID); s != nil {
			suppressFinding(f, s)
			continue
		}
		for _, ig := range active {
			if ig.Matches(f.RuleID, f.Resource.ID, file) {
				src := ".cloudassure.yaml"
				if ig.Expires != "" {
					src += " (until " + ig.Expires + ")"
				}
				suppressFinding(f, &finding.Suppression{Reason: ig.Reason, Source: src})
				break
			}
		}
	}
	return expired
}

func inlineMatch(igs []model.Ignore, rule string) *finding.Suppression {
	for _, ig := range igs {
		if strings.EqualFold(ig.RuleID, rule) || ig.RuleID == "*" {
			src := ig.Source
			if !ig.Range.IsZero() {
				src = fmt.Sprintf("%s at %s", ig.Source, ig.Range)
			}
			reason := ig.Reason
			if reason == "" {
				reason = "(no reason given)"
			}
			return &finding.Suppression{Reason: reason, Source: src}
		}
	}
	return nil
}

// suppressFinding makes f a SKIP that keeps what it would have said.
func suppressFinding(f *finding.Finding, s *finding.Suppression) {
	if f.Status != finding.Skip {
		f.Message = fmt.Sprintf("suppressed (%s): %s", strings.ToLower(string(f.Status)), f.Message)
	}
	f.Status = finding.Skip
	f.Suppression = s
}

// key names a resource: logical IDs and addresses repeat across files, so
// the file is part of it (empty for live resources).
func key(typ, id, file string) string { return typ + "\x00" + id + "\x00" + file }
