package fixiac

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cloudassure/cloudassure/internal/realtimelog"
)

// The documents of the resources CreateResources adds are realtimelog's, with
// these placeholders where the template or module supplies a value.
const (
	placeholderAccount = "\x00account"
	placeholderStream  = "\x00stream-arn"
)

// deliveryDocuments are the trust and role policy of the role CreateResources
// adds: its stream is encrypted with the AWS managed key, which needs no
// grant (realtimelog.AWSManagedKey).
func deliveryDocuments() (trust, role realtimelog.Document) {
	return realtimelog.TrustPolicy(placeholderAccount),
		realtimelog.RolePolicy(realtimelog.Stream{ARN: placeholderStream, KeyID: realtimelog.AWSManagedKey})
}

// policyNode renders doc as CloudFormation; subst gives the node of each
// placeholder.
func policyNode(doc realtimelog.Document, subst map[string]*yaml.Node) *yaml.Node {
	val := func(s string) *yaml.Node {
		if n, ok := subst[s]; ok {
			return n
		}
		return str(s)
	}
	list := func(ss realtimelog.Strings) *yaml.Node {
		if len(ss) == 1 {
			return val(ss[0])
		}
		n := seqNode()
		for _, s := range ss {
			n.Content = append(n.Content, val(s))
		}
		return n
	}
	var sts []*yaml.Node
	for _, st := range doc.Statement {
		var kv []any
		if st.Sid != "" {
			kv = append(kv, "Sid", str(st.Sid))
		}
		kv = append(kv, "Effect", str(st.Effect))
		if st.Principal != nil {
			kv = append(kv, "Principal", mapNode("Service", str(st.Principal.Service)))
		}
		kv = append(kv, "Action", list(st.Action))
		if len(st.Resource) > 0 {
			kv = append(kv, "Resource", list(st.Resource))
		}
		if len(st.Condition) > 0 {
			cond := mapNode()
			for _, c := range st.Condition {
				cond.Content = append(cond.Content, str(c.Operator), mapNode(c.Key, val(c.Value)))
			}
			kv = append(kv, "Condition", cond)
		}
		sts = append(sts, mapNode(kv...))
	}
	return mapNode("Version", str(doc.Version), "Statement", seqNode(sts...))
}

var hclIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// policyHCL renders doc as a Terraform jsonencode(...) expression whose
// lines after the first are indented by indent, laid out as terraform fmt
// does; subst gives the expression of each placeholder.
func policyHCL(doc realtimelog.Document, subst map[string]string, indent string) string {
	val := func(s string) string {
		if e, ok := subst[s]; ok {
			return e
		}
		return fmt.Sprintf("%q", s)
	}
	key := func(k string) string {
		if hclIdent.MatchString(k) {
			return k
		}
		return fmt.Sprintf("%q", k)
	}
	list := func(ss realtimelog.Strings) string {
		if len(ss) == 1 {
			return val(ss[0])
		}
		q := make([]string, len(ss))
		for i, s := range ss {
			q[i] = val(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	statement := func(st realtimelog.Statement, in string) string {
		var keys, vals []string
		add := func(k, v string) { keys, vals = append(keys, k), append(vals, v) }
		if st.Sid != "" {
			add("Sid", val(st.Sid))
		}
		add("Effect", val(st.Effect))
		if st.Principal != nil {
			add("Principal", "{ Service = "+val(st.Principal.Service)+" }")
		}
		add("Action", list(st.Action))
		if len(st.Resource) > 0 {
			add("Resource", list(st.Resource))
		}
		if len(st.Condition) > 0 {
			var cs []string
			for _, c := range st.Condition {
				cs = append(cs, fmt.Sprintf("%s = { %s = %s }", key(c.Operator), key(c.Key), val(c.Value)))
			}
			add("Condition", "{ "+strings.Join(cs, ", ")+" }")
		}
		width := 0
		for _, k := range keys {
			width = max(width, len(k))
		}
		var b strings.Builder
		for i, k := range keys {
			fmt.Fprintf(&b, "%s%-*s = %s\n", in, width, k, vals[i])
		}
		return b.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "jsonencode({\n%s  Version = %s\n", indent, val(doc.Version))
	if len(doc.Statement) == 1 {
		fmt.Fprintf(&b, "%s  Statement = [{\n%s%s  }]\n", indent, statement(doc.Statement[0], indent+"    "), indent)
	} else {
		fmt.Fprintf(&b, "%s  Statement = [\n", indent)
		for _, st := range doc.Statement {
			fmt.Fprintf(&b, "%s    {\n%s%s    },\n", indent, statement(st, indent+"      "), indent)
		}
		fmt.Fprintf(&b, "%s  ]\n", indent)
	}
	fmt.Fprintf(&b, "%s})", indent)
	return b.String()
}
