package engine

import (
	"context"
	"fmt"

	"github.com/cloudassure/cloudassure/internal/model"
	"github.com/cloudassure/cloudassure/internal/source/iac"
)

// IaC is a Source that reads infrastructure code under the paths of its options.
type IaC struct {
	Options iac.Options
}

// Read reads every file and module under the paths.
func (s IaC) Read(ctx context.Context) (*model.Inventory, error) {
	inv, err := iac.Read(ctx, s.Options)
	if err != nil {
		err = interrupted(err)
	}
	return inv, err
}

// interrupted is the error of an IaC read cut short.
func interrupted(err error) error {
	return &incomplete{fmt.Sprintf("scan interrupted: %v; the report covers only what was read", err), err}
}

// incomplete is a read error with the sentence the report shows for it.
type incomplete struct {
	msg string
	err error
}

func (e *incomplete) Error() string { return e.msg }
func (e *incomplete) Unwrap() error { return e.err }
