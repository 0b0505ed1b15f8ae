package store

import (
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// EventKind names a transition of a finding.
type EventKind string

// The transitions the store records.
const (
	NewFailure         EventKind = "new_failure"
	Regression         EventKind = "regression"
	Resolved           EventKind = "resolved"
	Suppressed         EventKind = "suppressed"
	SuppressionExpired EventKind = "suppression_expired"
	ResourceDeleted    EventKind = "resource_deleted"
	ErrorEvent         EventKind = "error"
	// SuppressionLifted is a dashboard suppression lifted by a person.
	SuppressionLifted EventKind = "suppression_lifted"
)

// EventKinds lists every kind, for validation and documentation.
func EventKinds() []EventKind {
	return []EventKind{NewFailure, Regression, Resolved, Suppressed, SuppressionExpired, ResourceDeleted, ErrorEvent, SuppressionLifted}
}

// Target is a configured scan target as the store knows it.
type Target struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Schedule  string    `json:"schedule"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Account is one account of a target, with its latest scans.
type Account struct {
	Target    string    `json:"target"`
	AccountID string    `json:"account_id"`
	Name      string    `json:"name,omitempty"`
	FirstSeen time.Time `json:"first_seen"`
	// LastScan is when the latest scan (complete or not) finished.
	LastScan time.Time `json:"last_scan,omitzero"`
	// LastCompleteScan is when the latest complete scan finished.
	LastCompleteScan time.Time `json:"last_complete_scan,omitzero"`
	// Failing counts the current FAIL findings that are not suppressed.
	Failing int `json:"failing"`
	// Stale counts the findings that the latest scans could not re-check.
	Stale int `json:"stale"`
}

// ScanRecord is the outcome of scanning one account of one target, as given to RecordScan.
type ScanRecord struct {
	Target      string
	AccountID   string
	AccountName string
	// RoundID groups the scans of one scheduled round (alerts are batched per round).
	RoundID    string
	StartedAt  time.Time
	FinishedAt time.Time
	// Complete is true only when the account was read completely. A partial
	// scan resolves nothing: findings it did not re-check keep their state
	// and are marked stale, and no resource is taken as deleted.
	Complete bool
	// Rules are the rule IDs that ran; state of other rules is left alone. Empty means all.
	Rules    []string
	Findings []finding.Finding
	Errors   []finding.ScanError
	APICalls map[string]int
}

// Scan is the totals row of one account scan.
type Scan struct {
	ID         int64               `json:"id"`
	Target     string              `json:"target"`
	AccountID  string              `json:"account_id"`
	RoundID    string              `json:"round_id"`
	StartedAt  time.Time           `json:"started_at"`
	FinishedAt time.Time           `json:"finished_at"`
	Complete   bool                `json:"complete"`
	Pass       int                 `json:"pass"`
	Fail       int                 `json:"fail"`
	Skip       int                 `json:"skip"`
	Error      int                 `json:"error"`
	Suppressed int                 `json:"suppressed"`
	Stale      int                 `json:"stale"`
	Resources  int                 `json:"resources"`
	Changes    int                 `json:"changes"`
	APICalls   int                 `json:"api_calls"`
	APICallsBy map[string]int      `json:"api_calls_by_operation,omitempty"`
	Errors     []finding.ScanError `json:"errors"`
	DurationMS int64               `json:"duration_ms"`
}

// Key identifies a finding.
type Key struct {
	Target     string `json:"target"`
	AccountID  string `json:"account_id"`
	RuleID     string `json:"rule_id"`
	ResourceID string `json:"resource_id"`
}

// Detail is what a finding shows beyond its status: the behaviors, problems
// and related resources (no distribution config beyond that).
type Detail struct {
	Behaviors []finding.Behavior `json:"behaviors,omitempty"`
	// OtherBehaviors are the behaviors a failing CF-001 finding does not fault.
	OtherBehaviors []finding.Behavior `json:"other_behaviors,omitempty"`
	Problems       []string           `json:"problems,omitempty"`
	Related        []finding.Resource `json:"related,omitempty"`
	Staging        bool               `json:"staging,omitempty"`
}

// Finding is the current state of one finding.
type Finding struct {
	Key
	ResourceType string `json:"resource_type"`
	ResourceARN  string `json:"resource_arn,omitempty"`
	ResourceName string `json:"resource_name,omitempty"`
	Title        string `json:"title"`
	Risk         string `json:"risk"`
	Status       string `json:"status"`
	Message      string `json:"message"`
	Detail       Detail `json:"detail"`
	Suppressed   bool   `json:"suppressed"`
	// SuppressionReason and SuppressionSource say who suppressed it and why.
	SuppressionReason string `json:"suppression_reason,omitempty"`
	SuppressionSource string `json:"suppression_source,omitempty"`
	// Stale is true when the latest scan could not re-check the finding.
	Stale bool `json:"stale"`
	// Deleted is true when a complete scan no longer found the resource.
	Deleted     bool      `json:"deleted"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	LastChanged time.Time `json:"last_changed"`
}

// Event is one transition of a finding.
type Event struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
	Key
	ResourceType string    `json:"resource_type"`
	Kind         EventKind `json:"kind"`
	FromStatus   string    `json:"from_status,omitempty"`
	ToStatus     string    `json:"to_status"`
	Risk         string    `json:"risk"`
	Title        string    `json:"title"`
	Message      string    `json:"message"`
	Detail       Detail    `json:"detail"`
	ScanID       int64     `json:"scan_id"`
	RoundID      string    `json:"round_id"`
}

// Delivery outcomes.
const (
	DeliveryPending = "pending"
	DeliverySending = "sending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// Delivery is one event to be sent, or sent, to one alert channel.
type Delivery struct {
	ID            int64     `json:"id"`
	Channel       string    `json:"channel"`
	EventID       int64     `json:"event_id"`
	RoundID       string    `json:"round_id"`
	CreatedAt     time.Time `json:"created_at"`
	Status        string    `json:"status"`
	BatchID       string    `json:"batch_id,omitempty"`
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
	FinishedAt    time.Time `json:"finished_at,omitzero"`
}

// Page is one page of a list; Next is the cursor of the following page ("" at the end).
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// RiskRank orders risks (Low < Medium < High < Critical); unknown risks rank 0.
func RiskRank(risk string) int {
	switch risk {
	case "Low", "low", "LOW":
		return 1
	case "Medium", "medium", "MEDIUM":
		return 2
	case "High", "high", "HIGH":
		return 3
	case "Critical", "critical", "CRITICAL":
		return 4
	}
	return 0
}
