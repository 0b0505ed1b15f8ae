package engine

import (
	"hash/maphash"
	"slices"
	"strconv"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// interner makes the findings a streaming scan keeps share what they
// repeat, so that memory at the end of a large scan is the findings'
// distinct content: across the scan, the strings (messages, problems,
// resource types, path patterns, config ARNs), and within one unit, the
// locations and behavior lists the rules of one distribution each build
// for themselves (CF-001, CF-002 and CF-003 each copy the distribution's
// location and the behaviors they name). The findings are values shared
// read-only afterwards: nothing after judging changes a location or a
// behavior in place. An interner is used from one goroutine (iac.Scan
// calls judge from one at a time).
type interner struct {
	strs map[string]string
	seed maphash.Seed
	// Per unit, reset by unit.
	locs      map[finding.Location]*finding.Location
	behaviors map[uint64][][]finding.Behavior
}

func newInterner() *interner {
	return &interner{strs: map[string]string{}, seed: maphash.MakeSeed()}
}

// unit starts a new unit: locations and behavior lists are shared only
// within one, where they repeat (each distribution's are its own).
func (in *interner) unit() {
	in.locs = map[finding.Location]*finding.Location{}
	in.behaviors = map[uint64][][]finding.Behavior{}
}

func (in *interner) s(p *string) {
	if *p == "" {
		return
	}
	if v, ok := in.strs[*p]; ok {
		*p = v
		return
	}
	in.strs[*p] = *p
}

func (in *interner) loc(p **finding.Location) {
	if *p == nil {
		return
	}
	if v, ok := in.locs[**p]; ok {
		*p = v
		return
	}
	in.locs[**p] = *p
}

func (in *interner) resource(r *finding.Resource) {
	in.s(&r.Type)
	in.s(&r.Root)
	in.s(&r.Name)
}

// behaviorList returns the unit's copy of a list equal to bs, once its
// strings and locations are interned.
func (in *interner) behaviorList(bs []finding.Behavior) []finding.Behavior {
	if len(bs) == 0 {
		return bs
	}
	var h maphash.Hash
	h.SetSeed(in.seed)
	for i := range bs {
		b := &bs[i]
		in.s(&b.PathPattern)
		in.s(&b.RealtimeLogConfigARN)
		in.s(&b.State)
		in.loc(&b.Location)
		h.WriteString(b.PathPattern)
		h.WriteByte(0)
		h.WriteString(b.RealtimeLogConfigARN)
		h.WriteByte(0)
		h.WriteString(b.State)
		h.WriteByte(0)
		h.WriteString(strconv.FormatBool(b.Default))
		if b.Location != nil {
			h.WriteString(b.Location.File)
			h.WriteString(strconv.Itoa(b.Location.StartLine))
			h.WriteString(strconv.Itoa(b.Location.EndLine))
		}
		h.WriteByte(1)
	}
	k := h.Sum64()
	for _, c := range in.behaviors[k] {
		if slices.Equal(c, bs) { // locations compare by pointer, interned above
			return c
		}
	}
	in.behaviors[k] = append(in.behaviors[k], bs)
	return bs
}

// finding makes f share the repeated parts of the findings before it.
// Resource IDs, ARNs and fingerprints are unique and left alone.
func (in *interner) finding(f *finding.Finding) {
	in.s(&f.Message)
	in.resource(&f.Resource)
	in.loc(&f.Location)
	f.Behaviors = in.behaviorList(f.Behaviors)
	f.OtherBehaviors = in.behaviorList(f.OtherBehaviors)
	for i := range f.Problems {
		in.s(&f.Problems[i])
	}
	for i := range f.Related {
		in.resource(&f.Related[i])
		in.s(&f.Related[i].ID)
		in.s(&f.Related[i].ARN)
	}
	if f.Suppression != nil {
		in.s(&f.Suppression.Reason)
		in.s(&f.Suppression.Source)
	}
}
