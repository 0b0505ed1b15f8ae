package finding

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// A Sorter collects findings as they are judged and gives them back in
// Report.Sort's order, keeping at most RunLen of them in memory: beyond that
// it sorts what it holds and writes it, encoded, as a sorted run to a
// temporary file, and Finish's result merges the runs as it is read (an
// external merge sort). A scan that judges fewer findings than RunLen never
// touches the disk. Findings that compare equal come back in the order they
// were added, as Report.Sort (a stable sort) leaves them.
//
// The temporary file is removed from its directory as soon as it is created
// (on systems that allow it, the data stays readable through the open file
// until Close), so that it does not outlive the process however it ends; it
// holds nothing a report does not (findings carry no secrets). A Sorter is
// used from one goroutine.
type Sorter struct {
	opts SortOptions
	// buf holds the findings not yet written, seqs their sequence numbers.
	buf  runBuf
	n    int // findings added
	tmp  *tempFile
	runs []run
	err  error
	// create makes the temporary file; tests replace it.
	create func(dir string) (spillFile, error)
}

// SortOptions tune a Sorter.
type SortOptions struct {
	// Dir is where the temporary file goes; "" is os.TempDir().
	Dir string
	// RunLen is how many findings are held in memory before they are
	// written out as a sorted run; 0 is DefaultRunLen.
	RunLen int
	// FanIn is how many runs are merged at once: more runs are first merged
	// into longer ones, FanIn at a time; 0 is DefaultFanIn.
	FanIn int
}

// Defaults of SortOptions. A finding takes about 800 bytes in memory, so a
// full run is about 1.6 MB, and merging 64 runs reads 64 × 16 KB at a time
// (131,072 findings before runs are merged into longer ones).
const (
	DefaultRunLen = 2048
	DefaultFanIn  = 64
)

// NewSorter returns an empty Sorter.
func NewSorter(opts SortOptions) *Sorter {
	if opts.RunLen <= 0 {
		opts.RunLen = DefaultRunLen
	}
	if opts.FanIn < 2 {
		opts.FanIn = DefaultFanIn
	}
	return &Sorter{opts: opts, create: createTemp}
}

// spillFile is what a Sorter needs of its temporary file.
type spillFile interface {
	io.Writer
	io.ReaderAt
	io.Closer
	Name() string
}

func createTemp(dir string) (spillFile, error) {
	return os.CreateTemp(dir, "cloudassure-findings-*")
}

// tempFile is the Sorter's file: written at its end, read at offsets.
type tempFile struct {
	f       spillFile
	w       *bufio.Writer
	off     int64 // bytes written
	removed bool  // unlinked already
	closed  bool
}

// run is one sorted run in the file.
type run struct {
	off, size int64
}

// Add adds f and returns its sequence number: 0 for the first finding
// added, then 1, 2, ... Finish's keep is given these numbers. An error
// writing the temporary file sticks: every later call returns it.
func (s *Sorter) Add(f Finding) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	seq := s.n
	s.n++
	s.buf.fs = append(s.buf.fs, f)
	s.buf.seqs = append(s.buf.seqs, seq)
	if len(s.buf.fs) >= s.opts.RunLen {
		if err := s.spill(); err != nil {
			return seq, err
		}
	}
	return seq, nil
}

// Buffered is how many findings are held in memory; 0 just after a run
// was written.
func (s *Sorter) Buffered() int { return len(s.buf.fs) }

// Spilled tells whether any run was written to the temporary file.
func (s *Sorter) Spilled() bool { return s.tmp != nil }

// spill writes the buffered findings as one sorted run.
func (s *Sorter) spill() error {
	if s.tmp == nil {
		if err := s.open(); err != nil {
			return s.fail(err)
		}
	}
	sort.Sort(&s.buf)
	start := s.tmp.off
	var body []byte
	for i := range s.buf.fs {
		body = encodeBody(body[:0], s.buf.seqs[i], &s.buf.fs[i])
		if err := s.tmp.write(body); err != nil {
			return s.fail(err)
		}
	}
	if err := s.tmp.w.Flush(); err != nil {
		return s.fail(fmt.Errorf("temporary file %s: %w", s.tmp.f.Name(), err))
	}
	s.runs = append(s.runs, run{off: start, size: s.tmp.off - start})
	s.buf.reset()
	return nil
}

func (s *Sorter) open() error {
	dir := s.opts.Dir
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := s.create(dir)
	if err != nil {
		return fmt.Errorf("temporary file for the findings in %s: %w", dir, err)
	}
	t := &tempFile{f: f, w: bufio.NewWriterSize(f, 64<<10)}
	// Unlinked now, it is gone however the process ends; where an open
	// file cannot be removed, Close removes it.
	t.removed = os.Remove(f.Name()) == nil
	s.tmp = t
	return nil
}

// write appends one record (length, then body) to the file.
func (t *tempFile) write(body []byte) error {
	var n [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(n[:], uint64(len(body)))
	if _, err := t.w.Write(n[:k]); err != nil {
		return fmt.Errorf("temporary file %s: %w", t.f.Name(), err)
	}
	if _, err := t.w.Write(body); err != nil {
		return fmt.Errorf("temporary file %s: %w", t.f.Name(), err)
	}
	t.off += int64(k + len(body))
	return nil
}

// close closes and, unless it was already unlinked, removes the file.
func (t *tempFile) close() error {
	if t == nil || t.closed {
		return nil
	}
	t.closed = true
	err := t.f.Close()
	if !t.removed {
		if rerr := os.Remove(t.f.Name()); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return fmt.Errorf("temporary file %s: %w", t.f.Name(), err)
	}
	return nil
}

// fail makes err stick and lets the file and the buffer go.
func (s *Sorter) fail(err error) error {
	s.err = err
	s.tmp.close()
	s.tmp = nil
	s.runs = nil
	s.buf = runBuf{}
	return err
}

// Close lets go of what the Sorter holds and removes its temporary file. It
// is for a Sorter given up before Finish; after Finish the Sorted owns the
// file, and Close does nothing.
func (s *Sorter) Close() error {
	err := s.tmp.close()
	s.tmp, s.runs, s.buf = nil, nil, runBuf{}
	if s.err == nil {
		s.err = errors.New("finding sorter: closed")
	}
	return err
}

// Finish ends the adding and returns the findings whose sequence numbers
// keep accepts (nil keeps them all), in Report.Sort's order. The Sorter is
// done with then: the Sorted owns the temporary file, and its Close removes
// it. On error the Sorter has already let go of everything.
func (s *Sorter) Finish(keep func(seq int) bool) (*Sorted, error) {
	if s.err != nil {
		return nil, s.err
	}
	kept := newBitset(s.n)
	n := 0
	for i := 0; i < s.n; i++ {
		if keep == nil || keep(i) {
			kept.set(i)
			n++
		}
	}
	if s.tmp == nil {
		// Everything fits in memory: filter in place, then sort.
		fs := s.buf.fs[:0]
		seqs := s.buf.seqs[:0]
		for i, f := range s.buf.fs {
			if kept.has(s.buf.seqs[i]) {
				fs = append(fs, f)
				seqs = append(seqs, s.buf.seqs[i])
			}
		}
		clear(s.buf.fs[len(fs):])
		b := runBuf{fs: fs, seqs: seqs}
		sort.Sort(&b)
		s.buf = runBuf{}
		s.err = errors.New("finding sorter: finished")
		return &Sorted{mem: fs, n: n}, nil
	}
	if len(s.buf.fs) > 0 {
		if err := s.spill(); err != nil {
			return nil, err
		}
	}
	// Merge FanIn runs at a time into longer ones (appended to the file)
	// until the rest can be merged as the findings are read.
	for len(s.runs) > s.opts.FanIn {
		group := s.runs[:s.opts.FanIn]
		start := s.tmp.off
		err := merge(s.tmp.f, group, kept, func(c *cursor) error { return s.tmp.write(c.body) })
		if err == nil {
			err = s.tmp.w.Flush()
		}
		if err != nil {
			return nil, s.fail(fmt.Errorf("merging sorted runs: %w", err))
		}
		s.runs = append(s.runs[s.opts.FanIn:], run{off: start, size: s.tmp.off - start})
	}
	out := &Sorted{tmp: s.tmp, runs: s.runs, kept: kept, n: n}
	s.tmp, s.runs = nil, nil
	s.err = errors.New("finding sorter: finished")
	return out, nil
}

// Sorted is the findings a Sorter gave back, in Report.Sort's order: in
// memory, or in sorted runs of a temporary file merged as they are read.
// Each may be called any number of times; Close lets the file go.
type Sorted struct {
	mem  []Finding
	tmp  *tempFile
	runs []run
	kept bitset
	n    int
	// err is the first error reading the file back; it sticks.
	err error
}

// Len is the number of findings.
func (s *Sorted) Len() int { return s.n }

// OnDisk tells whether the findings are in a temporary file.
func (s *Sorted) OnDisk() bool { return s.tmp != nil }

// Each calls fn with each finding in order, a new one each time (fn may keep
// it), and stops at fn's first error. When the file cannot be read back Each
// returns why, and so does every later call.
func (s *Sorted) Each(fn func(*Finding) error) error {
	if s.tmp == nil {
		if s.err != nil {
			return s.err
		}
		for i := range s.mem {
			if err := fn(&s.mem[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if s.err != nil {
		return s.err
	}
	if s.tmp.closed {
		return errors.New("findings: read after Close")
	}
	var fnErr error
	err := merge(s.tmp.f, s.runs, s.kept, func(c *cursor) error {
		f := c.f // a value of its own: next decodes into new slices
		if err := fn(&f); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	if err != nil && fnErr == nil {
		s.err = fmt.Errorf("reading back the findings from temporary file %s: %w", s.tmp.f.Name(), err)
		return s.err
	}
	return err
}

// Close lets the findings go and removes the temporary file.
func (s *Sorted) Close() error {
	if s == nil {
		return nil
	}
	s.mem = nil
	if s.err == nil {
		s.err = errors.New("findings: read after Close")
	}
	return s.tmp.close()
}

// merge reads runs of f, merging them in order (then by sequence number),
// and calls emit with the cursor of each record whose sequence number is in
// kept.
func merge(f io.ReaderAt, runs []run, kept bitset, emit func(*cursor) error) error {
	h := make(mergeHeap, 0, len(runs))
	for _, r := range runs {
		c := &cursor{r: bufio.NewReaderSize(io.NewSectionReader(f, r.off, r.size), 16<<10)}
		ok, err := c.next(kept)
		if err != nil {
			return err
		}
		if ok {
			h = append(h, c)
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		c := h[0]
		if err := emit(c); err != nil {
			return err
		}
		ok, err := c.next(kept)
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return nil
}

// cursor is the next record of one run: its body and the finding decoded
// from it (for comparing).
type cursor struct {
	r    *bufio.Reader
	seq  int
	body []byte
	f    Finding
}

// next reads the run's next kept record; false at the end of the run.
func (c *cursor) next(kept bitset) (bool, error) {
	for {
		n, err := binary.ReadUvarint(c.r)
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if n > uint64(maxRecord) {
			return false, errCorrupt
		}
		if uint64(cap(c.body)) < n {
			c.body = make([]byte, n)
		}
		c.body = c.body[:n]
		if _, err := io.ReadFull(c.r, c.body); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return false, err
		}
		seq, f, err := decodeRecord(c.body)
		if err != nil {
			return false, err
		}
		if !kept.has(seq) {
			continue
		}
		c.seq, c.f = seq, f
		return true, nil
	}
}

// maxRecord bounds one record's length, against a corrupt length.
const maxRecord = 64 << 20

type mergeHeap []*cursor

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(i, j int) bool {
	if c := Compare(&h[i].f, &h[j].f); c != 0 {
		return c < 0
	}
	return h[i].seq < h[j].seq
}
func (h mergeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(*cursor)) }
func (h *mergeHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// runBuf is the findings held in memory with their sequence numbers, sorted
// by Compare, then sequence number.
type runBuf struct {
	fs   []Finding
	seqs []int
}

func (b *runBuf) Len() int { return len(b.fs) }
func (b *runBuf) Less(i, j int) bool {
	if c := Compare(&b.fs[i], &b.fs[j]); c != 0 {
		return c < 0
	}
	return b.seqs[i] < b.seqs[j]
}
func (b *runBuf) Swap(i, j int) {
	b.fs[i], b.fs[j] = b.fs[j], b.fs[i]
	b.seqs[i], b.seqs[j] = b.seqs[j], b.seqs[i]
}

// reset empties the buffer, keeping its capacity but none of the findings.
func (b *runBuf) reset() {
	clear(b.fs)
	b.fs, b.seqs = b.fs[:0], b.seqs[:0]
}

// bitset is a set of sequence numbers.
type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, (n+63)/64) }
func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i int) bool { return i >= 0 && i/64 < len(b) && b[i/64]&(1<<(i%64)) != 0 }
