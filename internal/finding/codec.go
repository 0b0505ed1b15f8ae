package finding

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The codec below writes a Finding as compact bytes and reads it back
// exactly: every field, nil and empty slices and pointers told apart, strings
// byte for byte (no UTF-8 repair, unlike encoding/json), so that a report
// rendered from findings read back is the report rendered from the findings
// themselves. It is what a Sorter writes to its temporary file. A field
// added to one of the types must be added here (TestCodecRoundTrip fills
// every field by reflection and fails otherwise).

// encoder appends a finding's fields to b.
type encoder struct{ b []byte }

func (e *encoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) int(v int)     { e.b = binary.AppendVarint(e.b, int64(v)) }

func (e *encoder) str(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// length writes a slice's length, 0 for nil, so that nil and empty differ.
func (e *encoder) length(n int, isNil bool) {
	if isNil {
		e.uint(0)
		return
	}
	e.uint(uint64(n) + 1)
}

func (e *encoder) finding(f *Finding) {
	e.str(f.RuleID)
	e.str(f.Title)
	e.str(string(f.Status))
	e.str(f.Risk)
	e.str(f.Message)
	e.resource(&f.Resource)
	e.bool(f.Account != nil)
	if a := f.Account; a != nil {
		e.str(a.ID)
		e.str(a.Name)
	}
	e.location(f.Location)
	e.behaviors(f.Behaviors)
	e.behaviors(f.OtherBehaviors)
	e.length(len(f.Problems), f.Problems == nil)
	for _, p := range f.Problems {
		e.str(p)
	}
	e.length(len(f.Related), f.Related == nil)
	for i := range f.Related {
		e.resource(&f.Related[i])
	}
	e.bool(f.Staging)
	e.bool(f.Suppression != nil)
	if s := f.Suppression; s != nil {
		e.str(s.Reason)
		e.str(s.Source)
	}
	e.str(f.Fingerprint)
}

func (e *encoder) resource(r *Resource) {
	e.str(r.Type)
	e.str(r.ID)
	e.str(r.Root)
	e.str(r.ARN)
	e.str(r.Name)
	e.bool(r.Stream != nil)
	if s := r.Stream; s != nil {
		e.bool(s.Found)
		e.str(s.Status)
		e.str(s.Encryption)
		e.str(s.KeyID)
		e.str(s.Error)
	}
	e.bool(r.Role != nil)
	if c := r.Role; c != nil {
		e.bool(c.Found)
		e.str(c.Trust)
		e.str(c.TrustDetail)
		e.length(len(c.Actions), c.Actions == nil)
		for _, a := range c.Actions {
			e.str(a.Action)
			e.str(a.Resource)
			e.bool(a.Allowed)
			e.str(a.Detail)
		}
		e.str(c.Error)
		e.str(c.PoliciesError)
	}
}

func (e *encoder) location(l *Location) {
	e.bool(l != nil)
	if l != nil {
		e.str(l.File)
		e.int(l.StartLine)
		e.int(l.EndLine)
	}
}

func (e *encoder) behaviors(bs []Behavior) {
	e.length(len(bs), bs == nil)
	for i := range bs {
		b := &bs[i]
		e.str(b.PathPattern)
		e.bool(b.Default)
		e.int(b.Position)
		e.str(b.RealtimeLogConfigARN)
		e.str(b.State)
		e.location(b.Location)
	}
}

// errCorrupt is a record that does not decode: the temporary file was
// changed or cut short under the Sorter.
var errCorrupt = errors.New("corrupt finding record")

// decoder reads fields from b; the first error sticks and zero values follow.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *decoder) uint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) str() string {
	n := d.uint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) bool() bool {
	if len(d.b) == 0 {
		d.fail()
		return false
	}
	v := d.b[0]
	d.b = d.b[1:]
	if v > 1 {
		d.fail()
	}
	return v == 1
}

// length reads a slice length written by encoder.length: -1 for nil. A
// length that the rest of the record cannot hold (each element takes a byte
// at least) is corrupt.
func (d *decoder) length() int {
	n := d.uint()
	if n == 0 {
		return -1
	}
	if n-1 > uint64(len(d.b)) {
		d.fail()
		return -1
	}
	return int(n - 1)
}

func (d *decoder) finding(f *Finding) {
	f.RuleID = d.str()
	f.Title = d.str()
	f.Status = Status(d.str())
	f.Risk = d.str()
	f.Message = d.str()
	d.resource(&f.Resource)
	if d.bool() {
		f.Account = &AccountRef{ID: d.str(), Name: d.str()}
	}
	f.Location = d.location()
	f.Behaviors = d.behaviors()
	f.OtherBehaviors = d.behaviors()
	if n := d.length(); n >= 0 {
		f.Problems = make([]string, n)
		for i := range f.Problems {
			f.Problems[i] = d.str()
		}
	}
	if n := d.length(); n >= 0 {
		f.Related = make([]Resource, n)
		for i := range f.Related {
			d.resource(&f.Related[i])
		}
	}
	f.Staging = d.bool()
	if d.bool() {
		f.Suppression = &Suppression{Reason: d.str(), Source: d.str()}
	}
	f.Fingerprint = d.str()
}

func (d *decoder) resource(r *Resource) {
	r.Type = d.str()
	r.ID = d.str()
	r.Root = d.str()
	r.ARN = d.str()
	r.Name = d.str()
	if d.bool() {
		r.Stream = &StreamCheck{Found: d.bool(), Status: d.str(), Encryption: d.str(), KeyID: d.str(), Error: d.str()}
	}
	if d.bool() {
		c := &RoleCheck{Found: d.bool(), Trust: d.str(), TrustDetail: d.str()}
		if n := d.length(); n >= 0 {
			c.Actions = make([]ActionCheck, n)
			for i := range c.Actions {
				c.Actions[i] = ActionCheck{Action: d.str(), Resource: d.str(), Allowed: d.bool(), Detail: d.str()}
			}
		}
		c.Error = d.str()
		c.PoliciesError = d.str()
		r.Role = c
	}
}

func (d *decoder) location() *Location {
	if !d.bool() {
		return nil
	}
	return &Location{File: d.str(), StartLine: d.int(), EndLine: d.int()}
}

func (d *decoder) behaviors() []Behavior {
	n := d.length()
	if n < 0 {
		return nil
	}
	bs := make([]Behavior, n)
	for i := range bs {
		bs[i] = Behavior{PathPattern: d.str(), Default: d.bool(), Position: d.int(), RealtimeLogConfigARN: d.str(), State: d.str(), Location: d.location()}
	}
	return bs
}

// encodeBody appends the body of one record to b: the finding's sequence
// number and fields. On file a record is the body's length, then the body.
func encodeBody(b []byte, seq int, f *Finding) []byte {
	e := encoder{b: b}
	e.uint(uint64(seq))
	e.finding(f)
	return e.b
}

// decodeRecord reads the body of one record (what follows its length).
func decodeRecord(body []byte) (int, Finding, error) {
	d := decoder{b: body}
	seq := d.uint()
	var f Finding
	d.finding(&f)
	if d.err == nil && len(d.b) != 0 {
		d.err = errCorrupt
	}
	if d.err != nil {
		return 0, Finding{}, fmt.Errorf("%w (finding %d)", d.err, seq)
	}
	return int(seq), f, nil
}
