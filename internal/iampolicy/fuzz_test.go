package iampolicy

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	``,
	`{}`,
	`null`,
	`{"Statement":[]}`,
	`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kinesis:Put*","Resource":"arn:aws:kinesis:*:*:stream/*"}}`,
	`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::b/${aws:username}/*"}]}`,
	`{"Statement":{"Effect":"Allow","Principal":{"Service":["cloudfront.amazonaws.com"],"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"1"},"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::1:*"}}}}`,
	`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"${a, 'd'}${*}${}${x","Condition":{"ForAllValues:StringLikeIfExists":{"k":["${k}",1,true]},"Null":{"n":"true"},"NumericLessThan":{"m":1}}}}`,
	`{"Statement":{"Effect":"Allow","Effect":"Deny"}}`,
	`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	`{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"x"}] trailing`,
	"{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"\xff:\xfe\",\"Resource\":\"\xff*\"}}",
}

// FuzzParse checks that Parse never panics, accepts only valid JSON, and
// that whatever it accepts can be evaluated without panicking.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		d, err := Parse(doc)
		if err != nil {
			if d != nil {
				t.Fatalf("Parse returned a document and an error: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "iampolicy: ") {
				t.Fatalf("error without package prefix: %v", err)
			}
			return
		}
		if !json.Valid([]byte(doc)) {
			t.Fatalf("Parse accepted invalid JSON %q", doc)
		}
		ctx := map[string][]string{"k": {"a", "b"}, "aws:username": {"alice"}, "n": nil}
		for _, req := range []Request{
			{Action: "kinesis:PutRecord", Resource: "arn:aws:kinesis:us-east-1:1:stream/s"},
			{Action: "a:b", Resource: "x", Context: ctx},
			{},
		} {
			dec := Evaluate([]*Document{d}, req)
			checkDecision(t, dec)
		}
		checkDecision(t, TrustsService(d, "cloudfront.amazonaws.com", ctx))
	})
}

func checkDecision(t *testing.T, d Decision) {
	t.Helper()
	_ = d.String()
	switch {
	case d.Effect == ImplicitDeny && (d.Statement != nil || d.Conditional):
		t.Fatalf("implicit deny with a statement or conditional: %#v", d)
	case d.Effect != ImplicitDeny && d.Statement == nil:
		t.Fatalf("%v without a statement", d.Effect)
	case !d.Conditional && len(d.Unknown) > 0:
		t.Fatalf("unconditional decision lists unknowns: %#v", d)
	}
}

// FuzzGlobMatch compares globMatch with an equivalent regular expression.
func FuzzGlobMatch(f *testing.F) {
	for _, s := range [][2]string{
		{"kinesis:Put*", "kinesis:PutRecords"},
		{"a*b*c", "aXbYbZc"},
		{"a?c", "abc"},
		{"*", ""},
		{"**a", "a"},
		{"?", "é"},
		{"a*", "b"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		var re strings.Builder
		re.WriteString(`^(?s:`)
		for _, r := range pattern {
			switch r {
			case '*':
				re.WriteString(`.*`)
			case '?':
				re.WriteString(`.`)
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString(`)$`)
		// Compare on the runes both sides see: invalid UTF-8 becomes U+FFFD.
		s = strings.ToValidUTF8(s, "\uFFFD")
		want := regexp.MustCompile(re.String()).MatchString(s)
		if got := globMatch(compileGlob(pattern), []rune(s)); got != want {
			t.Fatalf("globMatch(%q, %q) = %v, want %v", pattern, s, got, want)
		}
	})
}
