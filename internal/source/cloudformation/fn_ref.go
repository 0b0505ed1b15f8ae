package cloudformation

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/model"
)

// pseudoParameters are the names Ref accepts besides parameters and
// resources. All but AWS::NoValue are known only at deploy time.
var pseudoParameters = map[string]bool{
	"AWS::AccountId":        true,
	"AWS::NotificationARNs": true,
	"AWS::NoValue":          true,
	"AWS::Partition":        true,
	"AWS::Region":           true,
	"AWS::StackId":          true,
	"AWS::StackName":        true,
	"AWS::URLSuffix":        true,
}

// ref evaluates Ref (!Ref X, {Ref: X}): a parameter's default, AWS::NoValue
// as absent, a real-time log config as unknown referring to it, any other
// resource or pseudo parameter as unknown, and a name the template does not
// define as unknown and dangling.
func (e *evaluator) ref(arg *yaml.Node) val {
	name, ok := literal(arg)
	if !ok {
		return unknown()
	}
	return e.refName(name)
}

func (e *evaluator) refName(name string) val {
	if name == "AWS::NoValue" {
		return absent()
	}
	if p, ok := e.t.params[name]; ok {
		return e.parameter(p)
	}
	if r, ok := e.t.resources[name]; ok {
		v := unknown()
		if r.typ == typeConfig {
			v.config = name
		}
		return v
	}
	if pseudoParameters[name] || strings.HasPrefix(name, "AWS::") {
		return unknown()
	}
	return e.missing(name)
}

// missing is a reference to a logical ID the template does not define.
func (e *evaluator) missing(id string) val {
	v := unknown()
	if !e.t.transform {
		v.dangling = id
	}
	return v
}

// parameter is the value of a parameter: its Default, split on commas for
// list types. Without a Default, or for SSM parameter types (whose Default
// names the SSM parameter, not the value), it is unknown.
func (e *evaluator) parameter(p *yaml.Node) val {
	typ := ""
	if _, tn := lookup(p, "Type"); tn != nil {
		typ, _ = literal(tn)
	}
	dk, dn := lookup(p, "Default")
	if dk == nil || strings.HasPrefix(typ, "AWS::SSM::Parameter::Value<") {
		return unknown()
	}
	v := e.eval(dn)
	if v.state == model.Absent {
		return knownStr("")
	}
	if v.isScalar() && (typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<")) {
		parts := strings.Split(v.s, ",")
		items := make([]val, len(parts))
		for i, s := range parts {
			items[i] = knownStr(s)
		}
		return knownList(items)
	}
	return v
}
