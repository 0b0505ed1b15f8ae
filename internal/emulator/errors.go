package emulator

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
)

const (
	cloudFrontNS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
	iamNS        = "https://iam.amazonaws.com/doc/2010-05-08/"
	stsNS        = "https://sts.amazonaws.com/doc/2011-06-15/"
)

type xmlErrorBody struct {
	Type    string `xml:"Type"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

type xmlErrorResponse struct {
	XMLName   xml.Name     `xml:"ErrorResponse"`
	Xmlns     string       `xml:"xmlns,attr"`
	Error     xmlErrorBody `xml:"Error"`
	RequestID string       `xml:"RequestId"`
}

func errorType(status int) string {
	if status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

// writeCloudFrontError writes a CloudFront REST-XML error.
func writeCloudFrontError(w http.ResponseWriter, rc *reqContext, status int, code, msg string) {
	writeXML(w, status, xmlErrorResponse{
		Xmlns:     cloudFrontNS,
		Error:     xmlErrorBody{Type: errorType(status), Code: code, Message: msg},
		RequestID: rc.requestID,
	})
}

// writeQueryError writes an IAM or STS query-protocol error.
func writeQueryError(w http.ResponseWriter, proto protocol, rc *reqContext, status int, code, msg string) {
	ns := iamNS
	if proto == protoSTS {
		ns = stsNS
	}
	writeXML(w, status, xmlErrorResponse{
		Xmlns:     ns,
		Error:     xmlErrorBody{Type: errorType(status), Code: code, Message: msg},
		RequestID: rc.requestID,
	})
}

// writeKinesisError writes a JSON 1.1 error.
func writeKinesisError(w http.ResponseWriter, rc *reqContext, status int, code, msg string) {
	w.Header().Set("x-amzn-ErrorType", code)
	writeJSON(w, status, map[string]string{"__type": code, "message": msg})
}

// writeXML writes v as an XML document with the given status.
func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}

// writeJSON writes v as an application/x-amz-json-1.1 body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
