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

// List is the team's ignore list as it stands at one moment: the entries
// that apply and the ones that have expired.
type List struct {
	active, expired []settings.Ignore
}

// NewList splits ignores into those that apply at now and those expired.
func NewList(ignores []settings.Ignore, now time.Time) *List {
	l := &List{}
	for _, ig := range ignores {
		if ig.Expired(now) {
			l.expired = append(l.expired, ig)
		} else {
			l.active = append(l.active, ig)
		}
	}
	return l
}

// Expired returns the entries that no longer apply, in file order.
func (l *List) Expired() []settings.Ignore { return l.expired }

// Apply marks f SKIP with its reason when an inline ignore on d (the
// distribution f judges; nil for none) or an entry of the list covers it.
func (l *List) Apply(f *finding.Finding, d *model.Distribution) {
	var inline []model.Ignore
	if d != nil {
		inline = d.Ignores
	}
	l.apply(f, inline)
}

func (l *List) apply(f *finding.Finding, inline []model.Ignore) {
	file := ""
	if f.Location != nil {
		file = f.Location.File
	}
	if s := inlineMatch(inline, f.RuleID); s != nil {
		suppressFinding(f, s)
		return
	}
	for _, ig := range l.active {
		if ig.Matches(f.RuleID, f.Resource.ID, file) {
			src := ".cloudassure.yaml"
			if ig.Expires != "" {
				src += " (until " + ig.Expires + ")"
			}
			suppressFinding(f, &finding.Suppression{Reason: ig.Reason, Source: src})
			return
		}
	}
}

// Apply marks every finding covered by an ignore as SKIP with its reason and
// returns the config entries that have expired (they no longer apply).
// Findings are matched to their distribution by type, ID and file; callers
// that hold the distribution each finding judges use List.Apply.
func Apply(fs []finding.Finding, inv *model.Inventory, ignores []settings.Ignore, now time.Time) []settings.Ignore {
	inline := map[string][]model.Ignore{}
	for _, d := range inv.Distributions {
		if len(d.Ignores) > 0 {
			inline[key(d.Type, d.ID, d.Range.File)] = d.Ignores
		}
	}
	l := NewList(ignores, now)
	for i := range fs {
		f := &fs[i]
		file := ""
		if f.Location != nil {
			file = f.Location.File
		}
		l.apply(f, inline[key(f.Resource.Type, f.Resource.ID, file)])
	}
	return l.Expired()
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
