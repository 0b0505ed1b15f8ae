// Package tfplan reads Terraform plan JSON (the output of `terraform show
// -json PLANFILE`) into the provider-neutral model.
//
// It reads resource_changes: every managed aws_cloudfront_distribution,
// aws_cloudfront_multitenant_distribution and
// aws_cloudfront_realtime_log_config instance that still exists after the
// plan (actions other than ["delete"] and ["forget"], no-op included), with
// the values of change.after. A value change.after_unknown marks as known
// only after apply is Unknown: set, but not resolvable here.
//
// Plan values carry no references, so a behavior's ConfigRef comes from the
// plan's configuration: when the behavior's realtime_log_config_arn
// expression references aws_cloudfront_realtime_log_config.NAME, directly or
// through module variables and module outputs, ConfigRef is that config's
// full address (module path and instance key included), its key in
// Inventory.Configs. References through locals cannot be followed (the plan
// does not record locals); a known ARN equal to a config's known ARN is
// matched instead.
//
// Distribution IDs are full addresses with instance keys
// (module.cdn.aws_cloudfront_distribution.this[0]). Ranges point into the
// .tf source when the caller's sources func knows the address without its
// instance keys, and otherwise at the resource's entry in resource_changes
// of the plan file.
package tfplan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/cloudassure/cloudassure/internal/model"
)

// Resource types read from plans.
const (
	typeDistribution            = "aws_cloudfront_distribution"
	typeMultitenantDistribution = "aws_cloudfront_multitenant_distribution"
	typeRealtimeLogConfig       = "aws_cloudfront_realtime_log_config"
)

var bom = []byte("\xef\xbb\xbf")

// Source is the Source of the inventories this package reads.
const Source = "terraform-plan"

// Detect reports whether data looks like Terraform plan JSON: a JSON object
// with "format_version" and "planned_values" or "resource_changes".
func Detect(data []byte) bool {
	t := bytes.TrimLeft(bytes.TrimPrefix(data, bom), " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return false
	}
	return bytes.Contains(t, []byte(`"format_version"`)) &&
		(bytes.Contains(t, []byte(`"resource_changes"`)) || bytes.Contains(t, []byte(`"planned_values"`)))
}

// Read reads the plan JSON data of file name. sources maps a resource
// address without instance keys (module.cdn.aws_cloudfront_distribution.this)
// to where it is written, when the .tf source is in the scanned tree; it may
// be nil. A plan that cannot be decoded gives a *model.ReadError naming the
// line where decoding stopped.
func Read(name string, data []byte, sources func(address string) (model.Range, bool)) (*model.Inventory, error) {
	data = bytes.TrimPrefix(data, bom)
	var plan tfjson.Plan
	if err := json.Unmarshal(data, &plan); err != nil {
		return nil, decodeError(name, data, err)
	}
	r := &reader{name: name, data: data, plan: &plan, sources: sources,
		configByARN: map[string]string{}, alias: map[string]string{},
		inv: &model.Inventory{Source: Source, Configs: map[string]*model.RealtimeLogConfig{}}}
	r.read()
	return r.inv, nil
}

// decodeError turns a JSON decoding error into a ReadError with the line
// where decoding stopped, when the error says.
func decodeError(name string, data []byte, err error) *model.ReadError {
	e := &model.ReadError{Operation: "parse", Range: model.Range{File: name}, Message: "not valid plan JSON: " + err.Error()}
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off >= 0 {
		line := newLineIndex(data).line(int(off))
		e.Range.StartLine, e.Range.EndLine = line, line
	}
	return e
}

// reader holds the state of one Read.
type reader struct {
	name    string
	data    []byte
	plan    *tfjson.Plan
	sources func(string) (model.Range, bool)
	inv     *model.Inventory

	lines      *lineIndex     // built on first use
	entryLines map[string]int // address → line of its resource_changes entry

	configByARN map[string]string // known config ARN → config key
	// alias maps a config address without instance keys to its full
	// address, when exactly one instance has it ("" when several do).
	alias map[string]string
}

func (r *reader) read() {
	var dists []*tfjson.ResourceChange
	aliasCount := map[string]int{}
	for _, rc := range r.plan.ResourceChanges {
		if rc == nil || rc.Mode != tfjson.ManagedResourceMode || rc.Change == nil || rc.DeposedKey != "" {
			continue
		}
		if a := rc.Change.Actions; a.Delete() || a.Forget() || rc.Change.After == nil {
			continue
		}
		switch rc.Type {
		case typeDistribution, typeMultitenantDistribution:
			dists = append(dists, rc)
		case typeRealtimeLogConfig:
			cfg := r.readConfig(rc)
			r.inv.Configs[rc.Address] = cfg
			if cfg.ARN != "" {
				r.configByARN[cfg.ARN] = rc.Address
			}
			short := stripKeys(rc.Address)
			aliasCount[short]++
			r.alias[short] = rc.Address
		}
	}
	for short, n := range aliasCount {
		if n > 1 {
			r.alias[short] = ""
		}
	}
	for _, rc := range dists {
		r.inv.Distributions = append(r.inv.Distributions, r.readDistribution(rc))
	}
}

// rangeOf is where address is written: in the .tf source when sources knows
// it, else at its entry in the plan file.
func (r *reader) rangeOf(address string) model.Range {
	if r.sources != nil {
		if rng, ok := r.sources(stripKeys(address)); ok {
			return rng
		}
	}
	if r.entryLines == nil {
		r.lines = newLineIndex(r.data)
		r.entryLines = entryLines(r.data, r.lines)
	}
	line := r.entryLines[address]
	return model.Range{File: r.name, StartLine: line, EndLine: line}
}

func (r *reader) readConfig(rc *tfjson.ResourceChange) *model.RealtimeLogConfig {
	rng := r.rangeOf(rc.Address)
	o := newObject(rc.Change.After, rc.Change.AfterUnknown, rng)
	cfg := &model.RealtimeLogConfig{
		Name:         rc.Address,
		SamplingRate: o.int("sampling_rate"),
		Fields:       o.strings("fields"),
		Range:        rng,
	}
	if arn := o.str("arn"); arn.State == model.Known {
		cfg.ARN = arn.V
	}
	if n := o.str("name"); n.State == model.Known {
		cfg.Name = n.V
	}
	for _, ep := range o.list("endpoint") {
		e := model.Endpoint{
			StreamType: ep.str("stream_type"),
			StreamARN:  model.AbsentValue[string](ep.origin),
			RoleARN:    model.AbsentValue[string](ep.origin),
		}
		if ks := ep.list("kinesis_stream_config"); len(ks) > 0 {
			e.StreamARN = ks[0].str("stream_arn")
			e.RoleARN = ks[0].str("role_arn")
		}
		cfg.Endpoints = append(cfg.Endpoints, e)
	}
	return cfg
}

func (r *reader) readDistribution(rc *tfjson.ResourceChange) *model.Distribution {
	rng := r.rangeOf(rc.Address)
	o := newObject(rc.Change.After, rc.Change.AfterUnknown, rng)
	d := &model.Distribution{
		ID:      rc.Address,
		Type:    rc.Type,
		Enabled: o.bool("enabled"),
		Staging: model.AbsentValue[bool](o.origin),
		Range:   rng,
	}
	if rc.Type == typeDistribution {
		d.Staging = o.bool("staging")
	}
	if v := o.str("arn"); v.State == model.Known {
		d.ARN = v.V
	}
	if v := o.str("domain_name"); v.State == model.Known {
		d.Domain = v.V
	}
	if v := o.str("comment"); v.State == model.Known {
		d.Comment = v.V
	}
	orderedKey := "ordered_cache_behavior"
	if rc.Type == typeMultitenantDistribution {
		orderedKey = "cache_behavior"
	}
	sc := r.scopeOf(rc.ModuleAddress)
	res := sc.resource(rc.Type, rc.Name)
	if def := o.list("default_cache_behavior"); len(def) > 0 {
		b := r.behavior(def[0], true)
		r.attach(b, sc, nestedBlock(res, "default_cache_behavior", 0, "realtime_log_config_arn"))
		d.Behaviors = append(d.Behaviors, b)
	}
	ordered := o.list(orderedKey)
	blocks := nestedBlocks(res, orderedKey)
	used := make([]bool, len(blocks))
	for i, ob := range ordered {
		b := r.behavior(ob, false)
		var expr *tfjson.Expression
		if len(blocks) == len(ordered) {
			expr = blockAttr(blocks[i], "realtime_log_config_arn")
		} else if j := matchByPath(blocks, used, b.PathPattern); j >= 0 {
			used[j] = true
			expr = blockAttr(blocks[j], "realtime_log_config_arn")
		}
		r.attach(b, sc, expr)
		d.Behaviors = append(d.Behaviors, b)
	}
	return d
}

func (r *reader) behavior(o object, def bool) *model.Behavior {
	b := &model.Behavior{
		Default:              def,
		PathPattern:          model.DefaultPathPattern,
		RealtimeLogConfigARN: o.str("realtime_log_config_arn"),
	}
	if !def {
		p := o.str("path_pattern")
		b.PathPattern = p.V
		if p.State == model.Unknown {
			b.PathPattern = "(known after apply)"
		}
	}
	return b
}

// attach sets b.ConfigRef from the configuration expression of its
// realtime_log_config_arn, or else from its known ARN.
func (r *reader) attach(b *model.Behavior, sc *scope, expr *tfjson.Expression) {
	if b.RealtimeLogConfigARN.State == model.Absent {
		return
	}
	if expr != nil && expr.ExpressionData != nil {
		if key := r.resolve(sc, expr.References, 0); key != "" {
			b.ConfigRef = key
			return
		}
	}
	if b.RealtimeLogConfigARN.State == model.Known {
		b.ConfigRef = r.configByARN[b.RealtimeLogConfigARN.V]
	}
}

// lineIndex finds the line of a byte offset.
type lineIndex struct{ newlines []int }

func newLineIndex(data []byte) *lineIndex {
	li := &lineIndex{}
	for i, c := range data {
		if c == '\n' {
			li.newlines = append(li.newlines, i)
		}
	}
	return li
}

// line returns the 1-based line holding offset off.
func (li *lineIndex) line(off int) int {
	return sort.SearchInts(li.newlines, off) + 1
}

// entryLines returns, for each resource_changes entry, the line of its
// "address" key, walking the JSON once.
func entryLines(data []byte, li *lineIndex) map[string]int {
	out := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if !delim(dec, '{') {
		return out
	}
	for dec.More() {
		key, ok := stringToken(dec)
		if !ok {
			return out
		}
		if key != "resource_changes" {
			if skip(dec) != nil {
				return out
			}
			continue
		}
		if !delim(dec, '[') {
			return out
		}
		for dec.More() {
			if !delim(dec, '{') {
				return out
			}
			for dec.More() {
				k, ok := stringToken(dec)
				if !ok {
					return out
				}
				if k != "address" {
					if skip(dec) != nil {
						return out
					}
					continue
				}
				line := li.line(int(dec.InputOffset()))
				var addr string
				if err := dec.Decode(&addr); err != nil {
					return out
				}
				if _, seen := out[addr]; !seen {
					out[addr] = line
				}
			}
			if !delim(dec, '}') {
				return out
			}
		}
		return out
	}
	return out
}

func delim(dec *json.Decoder, want json.Delim) bool {
	t, err := dec.Token()
	d, ok := t.(json.Delim)
	return err == nil && ok && d == want
}

func stringToken(dec *json.Decoder) (string, bool) {
	t, err := dec.Token()
	s, ok := t.(string)
	return s, err == nil && ok
}

func skip(dec *json.Decoder) error {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("skip: %w", err)
	}
	return nil
}
