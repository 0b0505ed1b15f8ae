package tfplan

import (
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// maxRefDepth bounds how many variables and outputs a reference is followed
// through.
const maxRefDepth = 32

// parts splits an address or reference at the dots outside instance keys:
// `module.a["x.y"].b[0]` → module, a["x.y"], b[0].
func parts(addr string) []string {
	var out []string
	depth, start := 0, 0
	inString, escaped := false, false
	for i := 0; i < len(addr); i++ {
		c := addr[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[':
			depth++
		case c == ']':
			if depth > 0 {
				depth--
			}
		case c == '.' && depth == 0:
			out = append(out, addr[start:i])
			start = i + 1
		}
	}
	return append(out, addr[start:])
}

// splitKey splits `name[key]` into name and `[key]`.
func splitKey(part string) (name, key string) {
	if i := strings.IndexByte(part, '['); i >= 0 {
		return part[:i], part[i:]
	}
	return part, ""
}

// stripKeys removes every instance key from an address.
func stripKeys(addr string) string {
	ps := parts(addr)
	for i, p := range ps {
		ps[i], _ = splitKey(p)
	}
	return strings.Join(ps, ".")
}

// scope is a module instance in the plan's configuration: where references
// in its expressions are resolved.
type scope struct {
	mod      *tfjson.ConfigModule
	inst     string // module instance address, "" for the root module
	parent   *scope
	callName string // the module call in parent that made this module
}

// prefix is the address prefix of resources in s.
func (s *scope) prefix() string {
	if s.inst == "" {
		return ""
	}
	return s.inst + "."
}

// scopeOf returns the configuration scope of a module instance address
// (rc.module_address), or nil when the plan has no configuration for it.
func (r *reader) scopeOf(moduleAddr string) *scope {
	if r.plan.Config == nil || r.plan.Config.RootModule == nil {
		return nil
	}
	sc := &scope{mod: r.plan.Config.RootModule}
	if moduleAddr == "" {
		return sc
	}
	ps := parts(moduleAddr)
	if len(ps)%2 != 0 {
		return nil
	}
	for i := 0; i < len(ps); i += 2 {
		if ps[i] != "module" {
			return nil
		}
		name, key := splitKey(ps[i+1])
		call := sc.mod.ModuleCalls[name]
		if call == nil || call.Module == nil {
			return nil
		}
		sc = &scope{mod: call.Module, inst: sc.prefix() + "module." + name + key, parent: sc, callName: name}
	}
	return sc
}

// resource returns the configuration of the managed resource typ.name in s.
func (s *scope) resource(typ, name string) *tfjson.ConfigResource {
	if s == nil {
		return nil
	}
	for _, res := range s.mod.Resources {
		if res != nil && res.Mode == tfjson.ManagedResourceMode && res.Type == typ && res.Name == name {
			return res
		}
	}
	return nil
}

// nestedBlocks returns the configuration blocks of type typ in res.
func nestedBlocks(res *tfjson.ConfigResource, typ string) []map[string]*tfjson.Expression {
	if res == nil {
		return nil
	}
	e := res.Expressions[typ]
	if e == nil || e.ExpressionData == nil {
		return nil
	}
	return e.NestedBlocks
}

// nestedBlock returns attribute attr of block i of type typ in res.
func nestedBlock(res *tfjson.ConfigResource, typ string, i int, attr string) *tfjson.Expression {
	bs := nestedBlocks(res, typ)
	if i >= len(bs) {
		return nil
	}
	return blockAttr(bs[i], attr)
}

func blockAttr(b map[string]*tfjson.Expression, attr string) *tfjson.Expression {
	if b == nil {
		return nil
	}
	return b[attr]
}

// matchByPath returns the first unused block whose path_pattern is the
// constant pattern, or -1.
func matchByPath(blocks []map[string]*tfjson.Expression, used []bool, pattern string) int {
	for i, b := range blocks {
		if used[i] {
			continue
		}
		e := blockAttr(b, "path_pattern")
		if e == nil || e.ExpressionData == nil {
			continue
		}
		if s, ok := e.ConstantValue.(string); ok && s == pattern {
			return i
		}
	}
	return -1
}

// resolve follows references, in s, to a real-time log config and returns
// its key in the inventory, or "".
func (r *reader) resolve(s *scope, refs []string, depth int) string {
	if s == nil || depth > maxRefDepth {
		return ""
	}
	for _, ref := range refs {
		ps := parts(ref)
		if len(ps) < 2 {
			continue
		}
		switch ps[0] {
		case typeRealtimeLogConfig:
			name, key := splitKey(ps[1])
			if k := r.configKey(s.prefix() + typeRealtimeLogConfig + "." + name + key); k != "" {
				return k
			}
		case "var":
			if s.parent == nil {
				continue
			}
			call := s.parent.mod.ModuleCalls[s.callName]
			if call == nil {
				continue
			}
			name, _ := splitKey(ps[1])
			if e := call.Expressions[name]; e != nil && e.ExpressionData != nil {
				if k := r.resolve(s.parent, e.References, depth+1); k != "" {
					return k
				}
			}
		case "module":
			if len(ps) < 3 {
				continue
			}
			name, key := splitKey(ps[1])
			output, _ := splitKey(ps[2])
			call := s.mod.ModuleCalls[name]
			if call == nil || call.Module == nil {
				continue
			}
			out := call.Module.Outputs[output]
			if out == nil || out.Expression == nil || out.Expression.ExpressionData == nil {
				continue
			}
			child := &scope{mod: call.Module, inst: s.prefix() + "module." + name + key, parent: s, callName: name}
			if k := r.resolve(child, out.Expression.References, depth+1); k != "" {
				return k
			}
		}
	}
	return ""
}

// configKey returns the inventory key of the config at addr: addr itself,
// or the one config whose address without instance keys is addr's.
func (r *reader) configKey(addr string) string {
	if _, ok := r.inv.Configs[addr]; ok {
		return addr
	}
	return r.alias[stripKeys(addr)]
}

// ResourceAddress returns addr without its instance keys, as the resource is
// written in its .tf file: module.cdn["a"].aws_x.this[0] → module.cdn.aws_x.this.
func ResourceAddress(addr string) string { return stripKeys(addr) }
