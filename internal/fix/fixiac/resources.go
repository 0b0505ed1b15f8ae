package fixiac

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/realtimelog"
)

// pair is one key and value to add to a mapping.
type pair struct {
	key string
	val *yaml.Node
}

// pairsNode is a mapping of pairs.
func pairsNode(pairs []pair) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, p := range pairs {
		m.Content = append(m.Content, str(p.key), p.val)
	}
	return m
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func intNode(n int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(n)}
}

func strs(ss []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, s := range ss {
		n.Content = append(n.Content, str(s))
	}
	return n
}

func seqNode(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

// mapNode is a mapping of alternating string keys and node values.
func mapNode(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, str(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return m
}

// cfnForm writes CloudFormation intrinsic functions in short form (!Ref X)
// or long form ({"Ref": "X"}), as the template does.
type cfnForm struct{ long bool }

func (f cfnForm) fn(name string, short string, arg *yaml.Node) *yaml.Node {
	if !f.long {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!" + name, Value: short}
	}
	key := str(name)
	if name != "Ref" {
		key = str("Fn::" + name)
	}
	key.Style = yaml.DoubleQuotedStyle
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle, Content: []*yaml.Node{key, quoted(arg)}}
}

// quoted returns n with its scalars double-quoted, the way the long form is
// written: {"Fn::GetAtt": ["Config", "Arn"]}.
func quoted(n *yaml.Node) *yaml.Node {
	c := *n
	if c.Kind == yaml.ScalarNode && c.Tag == "!!str" {
		c.Style = yaml.DoubleQuotedStyle
	}
	if c.Kind == yaml.SequenceNode || c.Kind == yaml.MappingNode {
		c.Style = yaml.FlowStyle
	}
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = quoted(x)
	}
	return &c
}

func (f cfnForm) ref(name string) *yaml.Node { return f.fn("Ref", name, str(name)) }

func (f cfnForm) getAtt(id, attr string) *yaml.Node {
	return f.fn("GetAtt", id+"."+attr, seqNode(str(id), str(attr)))
}

func (f cfnForm) sub(s string) *yaml.Node { return f.fn("Sub", s, str(s)) }

// refText shows a reference as the plan's diff lines do.
func refText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return n.Tag + " " + n.Value
	}
	return renderCompact(n)
}

// parameterNode is the CloudFormation parameter behaviors refer to.
func parameterNode() *yaml.Node {
	return mapNode("Type", str("String"), "Description", str(parameterDescription))
}

// cfnNames are the logical IDs of the resources CreateResources adds.
type cfnNames struct{ stream, role, config string }

// Base names of the resources CreateResources adds.
const (
	streamBase     = "RealtimeLogsStream"
	roleBase       = "RealtimeLogsRole"
	configBase     = "RealtimeLogConfig"
	rolePolicyName = realtimelog.RolePolicyName
)

// cfnResources are the stream, role and real-time log config that
// CreateResources adds to a template: an on-demand stream encrypted with the
// AWS managed key, a role only CloudFront can assume for this account that
// may only deliver to that stream, and the config.
func cfnResources(f cfnForm, n cfnNames, o *Options) []pair {
	stream := mapNode("Type", str("AWS::Kinesis::Stream"), "Properties", mapNode(
		"StreamModeDetails", mapNode("StreamMode", str("ON_DEMAND")),
		"StreamEncryption", mapNode("EncryptionType", str("KMS"), "KeyId", str(realtimelog.AWSManagedKey)),
	))
	trustDoc, roleDoc := deliveryDocuments()
	subst := map[string]*yaml.Node{placeholderAccount: f.ref("AWS::AccountId"), placeholderStream: f.getAtt(n.stream, "Arn")}
	trust, policy := policyNode(trustDoc, subst), policyNode(roleDoc, subst)
	role := mapNode("Type", str("AWS::IAM::Role"), "Properties", mapNode(
		"Description", str("Lets CloudFront deliver real-time logs to "+n.stream),
		"AssumeRolePolicyDocument", trust,
		"Policies", seqNode(mapNode("PolicyName", str(rolePolicyName), "PolicyDocument", policy)),
	))
	config := mapNode("Type", str("AWS::CloudFront::RealtimeLogConfig"), "Properties", mapNode(
		"Name", f.sub("${AWS::StackName}-realtime-logs"),
		"SamplingRate", intNode(o.SamplingRate),
		"Fields", strs(o.Fields),
		"EndPoints", seqNode(mapNode(
			"StreamType", str("Kinesis"),
			"KinesisStreamConfig", mapNode("RoleArn", f.getAtt(n.role, "Arn"), "StreamArn", f.getAtt(n.stream, "Arn")),
		)),
	))
	return []pair{{n.stream, stream}, {n.role, role}, {n.config, config}}
}

// uniqueName is base, or base2, base3… when taken has it.
func uniqueName(base string, taken map[string]bool) string {
	name := base
	for i := 2; taken[name]; i++ {
		name = base + strconv.Itoa(i)
	}
	taken[name] = true
	return name
}
