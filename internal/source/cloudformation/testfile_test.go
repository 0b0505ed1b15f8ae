package cloudformation

import (
	"os"
	"testing"

	"github.com/cloudassure/cloudassure/internal/model"
)

// readFile reads a file of testdata under its path.
func readFile(t *testing.T, path string) *model.Inventory {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := Read(path, data)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return inv
}
