package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// ErrBadFilter is what every FilterError wraps: errors.Is(err, ErrBadFilter)
// tells a query the caller got wrong from a store that failed.
var ErrBadFilter = errors.New("bad filter")

// FilterError is a filter a list query cannot use. Param names it as the API
// and the CLI do (status, risk, kind, cursor, limit).
type FilterError struct {
	Param string
	Value string
	// Reason completes "PARAM: VALUE ...", e.g. "is not one of PASS, FAIL, SKIP, ERROR".
	Reason string
}

func (e *FilterError) Error() string { return fmt.Sprintf("%s: %q %s", e.Param, e.Value, e.Reason) }

// Unwrap makes errors.Is(err, ErrBadFilter) hold.
func (e *FilterError) Unwrap() error { return ErrBadFilter }

// Risks are the risks findings carry, lowest first.
func Risks() []string { return []string{"Low", "Medium", "High", "Critical"} }

// FindingStatuses are the statuses a finding's current state can have.
func FindingStatuses() []string {
	var out []string
	for _, s := range finding.Statuses() {
		out = append(out, string(s))
	}
	return out
}

// EventStatuses are the statuses an event can go to: a finding's, or DELETED.
func EventStatuses() []string { return append(FindingStatuses(), "DELETED") }

// DeliveryStatuses are the states of an alert delivery.
func DeliveryStatuses() []string {
	return []string{DeliveryPending, DeliverySending, DeliverySent, DeliveryFailed}
}

// oneOf checks v (when set) against valid, ignoring case when fold is set,
// and returns the spelling of valid.
func oneOf(param, v string, valid []string, fold bool) (string, error) {
	if v == "" {
		return "", nil
	}
	for _, ok := range valid {
		if v == ok || fold && strings.EqualFold(v, ok) {
			return ok, nil
		}
	}
	return "", &FilterError{Param: param, Value: v, Reason: "is not one of " + strings.Join(valid, ", ")}
}

// riskAtLeast is the condition "risk is min or higher".
func riskAtLeast(w *where, col, min string) error {
	if min == "" {
		return nil
	}
	rank := RiskRank(min)
	if rank == 0 {
		return &FilterError{Param: "risk", Value: min, Reason: "is not one of " + strings.Join(Risks(), ", ")}
	}
	var in []string
	for _, r := range Risks() {
		if RiskRank(r) >= rank {
			in = append(in, "'"+r+"'")
		}
	}
	w.add(col + " IN (" + strings.Join(in, ", ") + ")")
	return nil
}

func checkLimit(n int) error {
	if n < 0 {
		return &FilterError{Param: "limit", Value: fmt.Sprint(n), Reason: "is negative"}
	}
	return nil
}
