package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// JSON writes the report as indented JSON exactly as finding.Report's struct
// tags define it: the JSON contract. Findings and errors, and each finding's
// behaviors, problems and related resources, are always arrays, never null
// or left out, and the output ends with a newline. Findings are encoded one
// at a time, as EachFinding gives them, so that writing a large report needs
// no copy of all of it, nor all of it in memory when it is on disk.
type JSON struct{}

var _ Reporter = (*JSON)(nil)

// findingsKey is how the findings array starts in the indented report: a
// top-level key (two spaces), where no string can hold a raw line break.
var findingsKey = []byte("\n  \"findings\": []")

// Write implements Reporter.
func (*JSON) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	c := *r // shallow copy: the caller's report is left as it is
	c.Findings = []finding.Finding{}
	if c.Errors == nil {
		c.Errors = []finding.ScanError{}
	}
	var head bytes.Buffer
	if err := encodeIndented(&head, &c, "", nil); err != nil {
		return err
	}
	frame := head.Bytes()
	at := bytes.Index(frame, findingsKey)
	if at < 0 || r.NumFindings() == 0 {
		_, err := w.Write(frame)
		return err
	}
	at += len(findingsKey) - 1 // just before the ]
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(frame[:at])
	var buf bytes.Buffer // reused for every finding
	i := 0
	err := r.EachFinding(func(p *finding.Finding) error {
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		f := *p
		if f.Behaviors == nil {
			f.Behaviors = []finding.Behavior{}
		}
		if f.Problems == nil {
			f.Problems = []string{}
		}
		if f.Related == nil {
			f.Related = []finding.Resource{}
		}
		if err := encodeIndented(bw, &f, "    ", &buf); err != nil {
			return fmt.Errorf("finding %d (%s on %s): %w", i, p.RuleID, p.Resource.ID, err)
		}
		i++
		return nil
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n  ")
	bw.Write(frame[at:])
	return bw.Flush()
}

// encodeIndented writes v as encoding/json indents it two spaces a level
// after prefix, HTML characters unescaped; a value that is not the whole
// document (prefix set) gets no final newline. buf, when set, is the
// scratch buffer to reuse.
func encodeIndented(w io.Writer, v any, prefix string, buf *bytes.Buffer) error {
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	b := buf
	enc := json.NewEncoder(b)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	out := b.Bytes()
	if prefix != "" {
		out = bytes.TrimSuffix(out, []byte("\n"))
	}
	_, err := w.Write(out)
	return err
}
