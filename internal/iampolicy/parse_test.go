package iampolicy

import (
	"strings"
	"testing"
)

func mustParse(t testing.TB, doc string) *Document {
	t.Helper()
	d, err := Parse(doc)
	if err != nil {
		t.Fatalf("Parse(%s): %v", doc, err)
	}
	return d
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		version string
		n       int
	}{
		{"single statement object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, "2012-10-17", 1},
		{"statement array", `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`, "", 2},
		{"empty statement array", `{"Version":"2012-10-17","Statement":[]}`, "2012-10-17", 0},
		{"old version", `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, "2008-10-17", 1},
		{"Id and Sid", `{"Id":"p1","Statement":[{"Sid":"S1","Effect":"Allow","Action":["a:b","c:d"],"Resource":["x","y"]}]}`, "", 1},
		{"NotAction NotResource", `{"Statement":{"Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::b/*"}}`, "", 1},
		{"principal star", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`, "", 1},
		{"principal map forms", `{"Statement":{"Effect":"Allow","Principal":{"Service":["a.amazonaws.com","b.amazonaws.com"],"AWS":"arn:aws:iam::111122223333:root","Federated":"cognito-identity.amazonaws.com","CanonicalUser":"abc"},"Action":"sts:AssumeRole"}}`, "", 1},
		{"NotPrincipal", `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::1:root"]},"Action":"*","Resource":"*"}}`, "", 1},
		{"condition scalar kinds", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"StringEquals":{"k":["a","b"],"j":"c"},"StringLike":{"e":[]}}}}`, "", 1},
		{"unsupported operator parses", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`, "", 1},
		{"surrounding whitespace", " \n\t{\"Statement\":[]}\n ", "", 0},
		{"unicode", `{"Statement":{"Sid":"ünï","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bücket/*"}}`, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustParse(t, tt.doc)
			if d.Version() != tt.version || d.Len() != tt.n {
				t.Errorf("Version, Len = %q, %d; want %q, %d", d.Version(), d.Len(), tt.version, tt.n)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string // substring of the error
	}{
		{"empty input", ``, "unexpected end of input"},
		{"not JSON", `hello`, "invalid JSON at byte"},
		{"truncated", `{"Statement":[{"Effect":"Allow"`, "unexpected end of input"},
		{"trailing garbage", `{"Statement":[]} x`, "invalid JSON"},
		{"two documents", `{"Statement":[]}{"Statement":[]}`, "unexpected data after the top-level value"},
		{"array at top", `[{"Effect":"Allow"}]`, "policy must be a JSON object, got an array"},
		{"string at top", `"policy"`, "policy must be a JSON object"},
		{"null", `null`, "policy must be a JSON object, got null"},
		{"missing Statement", `{"Version":"2012-10-17"}`, "policy has no Statement"},
		{"bad version", `{"Version":"2012-10-18","Statement":[]}`, `Version must be "2012-10-17" or "2008-10-17", got string "2012-10-18"`},
		{"numeric version", `{"Version":2012,"Statement":[]}`, "Version must be"},
		{"Id not string", `{"Id":1,"Statement":[]}`, "Id must be a string"},
		{"unknown top-level", `{"Statement":[],"Statements":[]}`, `unknown top-level element "Statements"`},
		{"lowercase key", `{"statement":[]}`, `unknown top-level element "statement"`},
		{"Statement is string", `{"Statement":"Allow"}`, "Statement must be an object or an array of objects"},
		{"statement is string", `{"Statement":["x"]}`, `statement 1: must be a JSON object, got string "x"`},
		{"lowercase effect", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"allow","Action":"*","Resource":"*"}]}`, `statement 2: Effect must be Allow or Deny, got string "allow"`},
		{"effect with sid", `{"Statement":[{"Sid":"DenyPut","Effect":"Block","Action":"*","Resource":"*"}]}`, `statement 1 (Sid "DenyPut"): Effect must be Allow or Deny`},
		{"effect not string", `{"Statement":{"Effect":true,"Action":"*","Resource":"*"}}`, "Effect must be Allow or Deny, got a boolean"},
		{"missing effect", `{"Statement":{"Action":"*","Resource":"*"}}`, "statement 1: missing Effect"},
		{"missing action", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, "missing Action or NotAction"},
		{"action and notaction", `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}}`, "both Action and NotAction"},
		{"resource and notresource", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"x"}}`, "both Resource and NotResource"},
		{"principal and notprincipal", `{"Statement":{"Effect":"Allow","Action":"*","Principal":"*","NotPrincipal":"*"}}`, "both Principal and NotPrincipal"},
		{"action number", `{"Statement":{"Effect":"Allow","Action":5,"Resource":"*"}}`, "Action must be a string or an array of strings, got a number"},
		{"action array with number", `{"Statement":{"Effect":"Allow","Action":["s3:Get",5],"Resource":"*"}}`, "Action[1] must be a string, got a number"},
		{"action empty array", `{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, "Action must not be an empty array"},
		{"action empty string", `{"Statement":{"Effect":"Allow","Action":"","Resource":"*"}}`, "Action must not be empty"},
		{"action no service", `{"Statement":{"Effect":"Allow","Action":"PutRecord","Resource":"*"}}`, `Action "PutRecord" must be "*" or "service:action"`},
		{"action empty name", `{"Statement":{"Effect":"Allow","NotAction":"kinesis:","Resource":"*"}}`, `NotAction "kinesis:" must be`},
		{"resource object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":{"a":"b"}}}`, "Resource must be a string or an array of strings, got an object"},
		{"resource empty element", `{"Statement":{"Effect":"Allow","Action":"*","Resource":["x",""]}}`, "Resource[1] must not be empty"},
		{"unknown statement element", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Conditions":{}}}`, `unknown element "Conditions"`},
		{"sid not string", `{"Statement":{"Sid":1,"Effect":"Allow","Action":"*","Resource":"*"}}`, "Sid must be a string"},
		{"principal bad string", `{"Statement":{"Effect":"Allow","Principal":"cloudfront.amazonaws.com","Action":"sts:AssumeRole"}}`, `Principal must be "*" or an object`},
		{"principal bad type", `{"Statement":{"Effect":"Allow","Principal":{"Services":"cloudfront.amazonaws.com"},"Action":"sts:AssumeRole"}}`, `unknown principal type "Services"`},
		{"principal empty", `{"Statement":{"Effect":"Allow","Principal":{},"Action":"sts:AssumeRole"}}`, "Principal must not be an empty object"},
		{"principal number", `{"Statement":{"Effect":"Allow","Principal":{"Service":7},"Action":"sts:AssumeRole"}}`, "Principal.Service must be a string or an array of strings"},
		{"principal array", `{"Statement":{"Effect":"Allow","Principal":["*"],"Action":"sts:AssumeRole"}}`, "Principal must be \"*\" or an object, got an array"},
		{"condition not object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":"x"}}`, "Condition must be an object"},
		{"condition operator not object", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"x"}}}`, "Condition StringEquals must be an object of condition keys"},
		{"condition null value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":null}}}}`, "Condition StringEquals k: value must be a string, number, boolean or an array of them, got null"},
		{"condition nested value", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":["a",["b"]]}}}}`, "Condition StringEquals k: value [1] must be a string, number or boolean"},
		{"condition empty key", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"":"a"}}}}`, "empty condition key"},
		{"condition empty operator", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"":{"k":"a"}}}}`, "empty operator name"},
		{"duplicate effect", `{"Statement":{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}}`, `duplicate key "Effect"`},
		{"duplicate condition key", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k":"a","k":"b"}}}}`, `duplicate key "k"`},
		{"deep nesting", `{"Statement":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, "nesting deeper than"},
		{"second statement bad", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Allow"}]}`, "statement 2: missing Action or NotAction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(tt.doc)
			if err == nil {
				t.Fatalf("Parse succeeded (%d statements), want error containing %q", d.Len(), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "iampolicy: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestZeroDocument(t *testing.T) {
	var d Document
	if got := Evaluate([]*Document{&d, nil}, Request{Action: "s3:GetObject", Resource: "x"}); got.Effect != ImplicitDeny {
		t.Errorf("empty documents: got %v, want ImplicitDeny", got)
	}
	if got := TrustsService(nil, "cloudfront.amazonaws.com", nil); got.Effect != ImplicitDeny {
		t.Errorf("nil trust policy: got %v, want ImplicitDeny", got)
	}
}
