package finding

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fill sets every field reachable from v to a value that differs from the
// zero value, varying with seed: a pointer points at a filled value, a slice
// holds two filled elements.
func fill(v reflect.Value, seed int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d-\xff\u00e9", seed)) // invalid UTF-8 too: kept byte for byte
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(seed*7 - 3))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), seed+1)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		fill(s.Index(0), seed+2)
		fill(s.Index(1), seed+3)
		v.Set(s)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(v.Field(i), seed+10*i)
		}
	default:
		panic(fmt.Sprintf("fill: no case for %s; add it here and to the codec", v.Type()))
	}
}

func roundTrip(t *testing.T, f Finding) Finding {
	t.Helper()
	body := encodeBody(nil, 42, &f)
	seq, got, err := decodeRecord(body)
	if err != nil {
		t.Fatal(err)
	}
	if seq != 42 {
		t.Errorf("seq %d, want 42", seq)
	}
	return got
}

// TestCodecRoundTrip: every field of a finding comes back as it was, so a
// field added to the types without the codec fails here; nil and empty
// slices and a pointer to a zero value stay what they were.
func TestCodecRoundTrip(t *testing.T) {
	var full Finding
	fill(reflect.ValueOf(&full).Elem(), 1)
	for _, tc := range []struct {
		name string
		f    Finding
	}{
		{"every field set", full},
		{"zero", Finding{}},
		{"empty, not nil", Finding{Behaviors: []Behavior{}, OtherBehaviors: []Behavior{}, Problems: []string{}, Related: []Resource{{Role: &RoleCheck{Actions: []ActionCheck{}}}}}},
		{"pointers to zero values", Finding{Location: &Location{}, Account: &AccountRef{}, Suppression: &Suppression{}, Related: []Resource{{Stream: &StreamCheck{}, Role: &RoleCheck{}}}, Behaviors: []Behavior{{Location: &Location{}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := roundTrip(t, tc.f); !reflect.DeepEqual(got, tc.f) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, tc.f)
			}
		})
	}
}

// TestCodecCorrupt: a record cut short or with bytes after it is an error,
// not a finding.
func TestCodecCorrupt(t *testing.T) {
	var full Finding
	fill(reflect.ValueOf(&full).Elem(), 1)
	body := encodeBody(nil, 3, &full)
	for _, b := range [][]byte{body[:len(body)-1], body[:len(body)/2], append(append([]byte{}, body...), 0), {}} {
		if _, _, err := decodeRecord(b); !errors.Is(err, errCorrupt) {
			t.Errorf("%d of %d bytes: err %v, want errCorrupt", len(b), len(body), err)
		}
	}
}

// randomFindings returns n findings drawn from few IDs, roots, files, rules
// and fingerprints, so that many compare equal; Message tells them apart.
func randomFindings(r *rand.Rand, n int) []Finding {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	out := make([]Finding, n)
	for i := range out {
		f := Finding{
			RuleID:      pick("CF-001", "CF-002", "CF-003"),
			Status:      Statuses()[r.IntN(4)],
			Message:     fmt.Sprintf("finding %d", i),
			Resource:    Resource{Type: pick("AWS::CloudFront::Distribution", "aws_cloudfront_distribution"), ID: pick("A", "B", "C", "module.x.B"), Root: pick("", "r1")},
			Fingerprint: pick("f1", "f2"),
			Behaviors:   []Behavior{{PathPattern: "*", Default: true, Location: &Location{File: "x", StartLine: i}}},
		}
		if r.IntN(4) > 0 {
			f.Location = &Location{File: pick("a.yaml", "b.tf"), StartLine: i}
		}
		if r.IntN(3) == 0 {
			f.Account = &AccountRef{ID: pick("111", "222")}
		}
		out[i] = f
	}
	return out
}

// inMemory is what a report sorted in memory lists: the kept findings in
// the order added, sorted by Report.Sort.
func inMemory(fs []Finding, keep func(int) bool) []Finding {
	r := Report{Findings: []Finding{}}
	for i, f := range fs {
		if keep == nil || keep(i) {
			r.Findings = append(r.Findings, f)
		}
	}
	r.Sort()
	return r.Findings
}

func collect(t *testing.T, s *Sorted) []Finding {
	t.Helper()
	out := []Finding{}
	if err := s.Each(func(f *Finding) error { out = append(out, *f); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func sortAll(t *testing.T, fs []Finding, opts SortOptions, keep func(int) bool) *Sorted {
	t.Helper()
	s := NewSorter(opts)
	for i, f := range fs {
		seq, err := s.Add(f)
		if err != nil {
			t.Fatal(err)
		}
		if seq != i {
			t.Fatalf("Add %d returned sequence number %d", i, seq)
		}
	}
	out, err := s.Finish(keep)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	return out
}

// TestSorterOrder: whatever the run length and fan-in (in memory, a few
// runs, many runs merged in several passes), the Sorter gives back what
// Report.Sort gives for the same findings, ties in the order added, without
// the findings keep rejects; read twice, the same.
func TestSorterOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fs := randomFindings(r, 1000)
	dropOdd := func(seq int) bool { return seq%2 == 0 || seq%7 == 0 }
	for _, tc := range []struct {
		name   string
		opts   SortOptions
		keep   func(int) bool
		onDisk bool
	}{
		{"in memory", SortOptions{RunLen: 5000}, nil, false},
		{"in memory, filtered", SortOptions{RunLen: 5000}, dropOdd, false},
		{"exactly one run", SortOptions{RunLen: 1000}, nil, true},
		{"a few runs", SortOptions{RunLen: 300}, nil, true},
		{"runs of one", SortOptions{RunLen: 1, FanIn: 64}, nil, true},
		{"many runs, several merge passes", SortOptions{RunLen: 7, FanIn: 3}, dropOdd, true},
		{"many runs, fan-in two", SortOptions{RunLen: 2, FanIn: 2}, dropOdd, true},
		{"keep none", SortOptions{RunLen: 10, FanIn: 4}, func(int) bool { return false }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Dir = t.TempDir()
			s := sortAll(t, fs, tc.opts, tc.keep)
			if s.OnDisk() != tc.onDisk {
				t.Errorf("on disk %v, want %v", s.OnDisk(), tc.onDisk)
			}
			want := inMemory(fs, tc.keep)
			if s.Len() != len(want) {
				t.Errorf("Len %d, want %d", s.Len(), len(want))
			}
			for pass := range 2 {
				got := collect(t, s)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("pass %d: order differs from Report.Sort:\n%s", pass, firstDiff(got, want))
				}
			}
		})
	}
}

func firstDiff(got, want []Finding) string {
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			return fmt.Sprintf("at %d: got %q, want %q", i, got[i].Message, want[i].Message)
		}
	}
	return fmt.Sprintf("got %d findings, want %d", len(got), len(want))
}

// TestSorterReport: a report with its findings on disk summarizes, counts,
// exits and loads as the same report in memory.
func TestSorterReport(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	fs := randomFindings(r, 500)
	for i := range fs {
		fs[i].Account = nil // as a streamed IaC scan's
	}
	mem := Report{Findings: inMemory(fs, nil)}
	mem.Summarize()
	var disk Report
	disk.SetFindings(sortAll(t, fs, SortOptions{Dir: t.TempDir(), RunLen: 64}, nil))
	if !disk.OnDisk() || disk.Findings != nil {
		t.Fatalf("on disk %v, %d findings in memory", disk.OnDisk(), len(disk.Findings))
	}
	disk.Summarize()
	if !reflect.DeepEqual(disk.Summary, mem.Summary) {
		t.Errorf("summary on disk %+v, in memory %+v", disk.Summary, mem.Summary)
	}
	if disk.NumFindings() != 500 || disk.ExitCode() != mem.ExitCode() {
		t.Errorf("%d findings, exit %d; want 500, %d", disk.NumFindings(), disk.ExitCode(), mem.ExitCode())
	}
	loaded, err := disk.Loaded()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded.Findings, mem.Findings) || loaded.OnDisk() {
		t.Errorf("Loaded differs from the report in memory")
	}
	if err := disk.Close(); err != nil {
		t.Fatal(err)
	}
	if err := disk.EachFinding(func(*Finding) error { return nil }); err == nil {
		t.Error("EachFinding after Close: no error")
	}
}

// TestSorterTempFile: the temporary file is in the directory asked for,
// gone from it from the start (unlinked while open), and closed by Close;
// a Sorter given up before Finish lets it go too.
func TestSorterTempFile(t *testing.T) {
	fs := randomFindings(rand.New(rand.NewPCG(5, 6)), 50)
	dir := t.TempDir()
	var created []string
	s := NewSorter(SortOptions{Dir: dir, RunLen: 10})
	s.create = func(d string) (spillFile, error) {
		f, err := createTemp(d)
		if err == nil {
			created = append(created, f.Name())
		}
		return f, err
	}
	for _, f := range fs {
		if _, err := s.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	if len(created) != 1 || filepath.Dir(created[0]) != dir || !strings.HasPrefix(filepath.Base(created[0]), "cloudassure-findings-") {
		t.Fatalf("created %v, want one cloudassure-findings-* file in %s", created, dir)
	}
	assertEmpty(t, dir)
	sorted, err := s.Finish(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := collect(t, sorted); len(got) != 50 {
		t.Errorf("%d findings, want 50", len(got))
	}
	if err := sorted.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sorted.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	assertEmpty(t, dir)

	// Given up before Finish.
	s = NewSorter(SortOptions{Dir: dir, RunLen: 10})
	for _, f := range fs[:25] {
		if _, err := s.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(fs[0]); err == nil {
		t.Error("Add after Close: no error")
	}
	assertEmpty(t, dir)
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		t.Errorf("left in %s: %s", dir, e.Name())
	}
}

// failingFile is a temporary file whose writes fail after limit bytes (a
// full disk), or whose reads fail (a file cut short under the Sorter).
type failingFile struct {
	*os.File
	limit    int
	written  int
	failRead bool
}

var errDiskFull = errors.New("no space left on device")

func (f *failingFile) Write(p []byte) (int, error) {
	if f.written+len(p) > f.limit {
		return 0, errDiskFull
	}
	f.written += len(p)
	return f.File.Write(p)
}

func (f *failingFile) ReadAt(p []byte, off int64) (int, error) {
	if f.failRead {
		return 0, errors.New("input/output error")
	}
	return f.File.ReadAt(p, off)
}

// TestSorterErrors: a temporary file that cannot be created or written
// fails Add with the file's error, which sticks, and leaves nothing behind;
// one that cannot be read back fails Each, and every Each after it, and
// the report's exit code is 2.
func TestSorterErrors(t *testing.T) {
	fs := randomFindings(rand.New(rand.NewPCG(7, 8)), 100)
	t.Run("no directory", func(t *testing.T) {
		s := NewSorter(SortOptions{Dir: filepath.Join(t.TempDir(), "missing"), RunLen: 10})
		var err error
		for _, f := range fs {
			if _, err = s.Add(f); err != nil {
				break
			}
		}
		if err == nil || !strings.Contains(err.Error(), "missing") {
			t.Fatalf("err %v, want one naming the directory", err)
		}
		if _, err := s.Finish(nil); err == nil {
			t.Error("Finish after a failed Add: no error")
		}
	})
	t.Run("disk full", func(t *testing.T) {
		dir := t.TempDir()
		var ff *failingFile
		s := NewSorter(SortOptions{Dir: dir, RunLen: 10})
		s.create = func(d string) (spillFile, error) {
			f, err := createTemp(d)
			if err != nil {
				return nil, err
			}
			ff = &failingFile{File: f.(*os.File), limit: 3000}
			return ff, nil
		}
		var err error
		for _, f := range fs {
			if _, err = s.Add(f); err != nil {
				break
			}
		}
		if !errors.Is(err, errDiskFull) {
			t.Fatalf("err %v, want the write's error", err)
		}
		if _, err2 := s.Add(fs[0]); !errors.Is(err2, errDiskFull) {
			t.Errorf("next Add: %v, want the same error", err2)
		}
		if _, err := s.Finish(nil); !errors.Is(err, errDiskFull) {
			t.Errorf("Finish: %v, want the same error", err)
		}
		if _, err := ff.File.Stat(); err == nil {
			t.Error("the failed file is still open")
		}
		assertEmpty(t, dir)
		if err := s.Close(); err != nil {
			t.Errorf("Close after the error: %v", err)
		}
	})
	t.Run("read back fails", func(t *testing.T) {
		var ff *failingFile
		s := NewSorter(SortOptions{Dir: t.TempDir(), RunLen: 10})
		s.create = func(d string) (spillFile, error) {
			f, err := createTemp(d)
			ff = &failingFile{File: f.(*os.File), limit: 1 << 30}
			return ff, err
		}
		for _, f := range fs {
			if _, err := s.Add(f); err != nil {
				t.Fatal(err)
			}
		}
		sorted, err := s.Finish(nil)
		if err != nil {
			t.Fatal(err)
		}
		defer sorted.Close()
		ff.failRead = true
		var r Report
		r.SetFindings(sorted)
		if err := r.EachFinding(func(*Finding) error { return nil }); err == nil || !strings.Contains(err.Error(), "input/output error") {
			t.Errorf("EachFinding: %v, want the read's error", err)
		}
		ff.failRead = false
		if err := r.EachFinding(func(*Finding) error { return nil }); err == nil {
			t.Error("EachFinding after a failed read: no error")
		}
		if r.ExitCode() != 2 {
			t.Errorf("exit code %d, want 2", r.ExitCode())
		}
	})
	t.Run("fn's error", func(t *testing.T) {
		s := sortAll(t, fs, SortOptions{Dir: t.TempDir(), RunLen: 10}, nil)
		stop := errors.New("stop")
		n := 0
		if err := s.Each(func(*Finding) error { n++; return stop }); err != stop || n != 1 {
			t.Errorf("Each: %v after %d findings, want fn's error after 1", err, n)
		}
		if got := collect(t, s); len(got) != 100 {
			t.Errorf("after fn's error: %d findings, want 100 (fn's error does not stick)", len(got))
		}
	})
}

// BenchmarkSorter is what sorting on disk adds to a 15,000-file scan: its
// 45,584 findings added (written in runs of DefaultRunLen), then read back
// merged twice (the summary, then the report).
func BenchmarkSorter(b *testing.B) {
	fs := randomFindings(rand.New(rand.NewPCG(9, 10)), 45584)
	for i := range fs {
		fs[i].Resource.ID = fmt.Sprintf("aws_cloudfront_distribution.web_%d", i/2)
		fs[i].Problems = []string{"the default behavior (*) has no real-time log config", "behavior /api/* has no real-time log config"}
		fs[i].Behaviors = append(fs[i].Behaviors, Behavior{PathPattern: "/api/*", Position: 1, State: "absent"}, Behavior{PathPattern: "/img/*", Position: 2, State: "known"})
	}
	dir := b.TempDir()
	for b.Loop() {
		s := NewSorter(SortOptions{Dir: dir})
		for _, f := range fs {
			if _, err := s.Add(f); err != nil {
				b.Fatal(err)
			}
		}
		out, err := s.Finish(nil)
		if err != nil {
			b.Fatal(err)
		}
		for range 2 {
			if err := out.Each(func(*Finding) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
		out.Close()
	}
	b.ReportMetric(float64(len(fs)), "findings")
}
