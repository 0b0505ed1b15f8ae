package cloudformation

import (
	"encoding/base64"

	"go.yaml.in/yaml/v3"
)

// base64 evaluates Fn::Base64 (!Base64 text) to the encoded text when the
// text is known.
func (e *evaluator) base64(arg *yaml.Node) val {
	v := e.eval(arg)
	if !v.isScalar() {
		return unknownFrom(v)
	}
	return knownStr(base64.StdEncoding.EncodeToString([]byte(v.s)))
}
