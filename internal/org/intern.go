package org

import (
	"sync"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// interner keeps one copy of each string the findings of many accounts
// repeat (messages, rule texts, config, stream and role ARNs, path
// patterns), so that an organization's report holds each once: at 1,000
// accounts most of a finding's text is the same as thousands of others'.
type interner struct {
	mu sync.Mutex
	m  map[string]string
}

func newInterner() *interner { return &interner{m: map[string]string{}} }

func (in *interner) s(p *string) {
	if *p == "" {
		return
	}
	if v, ok := in.m[*p]; ok {
		*p = v
		return
	}
	in.m[*p] = *p
}

func (in *interner) resource(r *finding.Resource) {
	in.s(&r.Type)
	in.s(&r.Name)
}

// finding interns the repeated strings of f. Resource IDs and ARNs and
// fingerprints are unique and left alone.
func (in *interner) finding(f *finding.Finding) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.s(&f.RuleID)
	in.s(&f.Title)
	in.s(&f.Risk)
	in.s(&f.Message)
	in.resource(&f.Resource)
	for i := range f.Behaviors {
		in.s(&f.Behaviors[i].PathPattern)
		in.s(&f.Behaviors[i].RealtimeLogConfigARN)
		in.s(&f.Behaviors[i].State)
	}
	for i := range f.Problems {
		in.s(&f.Problems[i])
	}
	for i := range f.Related {
		in.resource(&f.Related[i])
		in.s(&f.Related[i].ID)
		in.s(&f.Related[i].ARN)
	}
}
