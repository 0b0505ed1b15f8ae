package iac

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// TestErrorsInFileOrder: files are read in parallel, but the errors come out
// in file order, so reports (and their golden files) do not depend on timing.
func TestErrorsInFileOrder(t *testing.T) {
	dir := t.TempDir()
	for i := range 40 {
		name := filepath.Join(dir, fmt.Sprintf("t%02d.json", i))
		if err := os.WriteFile(name, []byte("{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n  \"Resources\": {\"D\": {\"Type\": \"AWS::CloudFront::Distribution\",\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		inv, err := Read(context.Background(), Options{Paths: []string{dir}, Workers: 8})
		if err != nil {
			t.Fatal(err)
		}
		if len(inv.Errors) != 40 {
			t.Fatalf("%d errors, want 40", len(inv.Errors))
		}
		if !sort.SliceIsSorted(inv.Errors, func(i, j int) bool { return inv.Errors[i].Range.File < inv.Errors[j].Range.File }) {
			var files []string
			for _, e := range inv.Errors {
				files = append(files, filepath.Base(e.Range.File))
			}
			t.Fatalf("errors out of file order: %v", files)
		}
	}
}
