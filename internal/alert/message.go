package alert

import (
	"fmt"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
	"github.com/cloudassure/cloudassure/internal/store"
)

// SchemaVersion is the version of the webhook body's JSON schema.
const SchemaVersion = 1

// Message is the webhook body: one batch of changes. Its shape is stable.
type Message struct {
	SchemaVersion int            `json:"schema_version"`
	DeliveryID    string         `json:"delivery_id"`
	Channel       string         `json:"channel"`
	RoundID       string         `json:"round_id"`
	Attempt       int            `json:"attempt"`
	SentAt        time.Time      `json:"sent_at"`
	DashboardURL  string         `json:"dashboard_url,omitempty"`
	Events        []MessageEvent `json:"events"`
}

// MessageEvent is one change in a Message.
type MessageEvent struct {
	ID           int64              `json:"id"`
	Kind         string             `json:"kind"`
	At           time.Time          `json:"at"`
	Target       string             `json:"target"`
	AccountID    string             `json:"account_id"`
	RuleID       string             `json:"rule_id"`
	Title        string             `json:"title"`
	Risk         string             `json:"risk"`
	ResourceType string             `json:"resource_type"`
	ResourceID   string             `json:"resource_id"`
	FromStatus   string             `json:"from_status,omitempty"`
	ToStatus     string             `json:"to_status"`
	Message      string             `json:"message"`
	Behaviors    []finding.Behavior `json:"behaviors,omitempty"`
	Problems     []string           `json:"problems,omitempty"`
}

// NewMessage builds the message for b.
func NewMessage(b *store.Batch, dashboardURL string, now time.Time) Message {
	m := Message{SchemaVersion: SchemaVersion, DeliveryID: b.ID, Channel: b.Channel, RoundID: b.RoundID, Attempt: b.Attempts,
		SentAt: now.UTC(), DashboardURL: dashboardURL, Events: []MessageEvent{}}
	for _, e := range b.Events {
		bs := make([]finding.Behavior, len(e.Detail.Behaviors))
		for i, x := range e.Detail.Behaviors {
			x.Location = nil
			bs[i] = x
		}
		m.Events = append(m.Events, MessageEvent{
			ID: e.ID, Kind: string(e.Kind), At: e.At, Target: e.Target, AccountID: e.AccountID, RuleID: e.RuleID, Title: e.Title,
			Risk: e.Risk, ResourceType: e.ResourceType, ResourceID: e.ResourceID, FromStatus: e.FromStatus, ToStatus: e.ToStatus,
			Message: e.Message, Behaviors: bs, Problems: e.Detail.Problems,
		})
	}
	return m
}

var kindText = map[string]string{
	string(store.NewFailure):         "New failure",
	string(store.Regression):         "Regression",
	string(store.Resolved):           "Resolved",
	string(store.Suppressed):         "Suppressed",
	string(store.SuppressionExpired): "Suppression expired",
	string(store.ResourceDeleted):    "Resource deleted",
	string(store.ErrorEvent):         "Could not be checked",
}

// Headline is the one-line summary of an event.
func Headline(e MessageEvent) string {
	return fmt.Sprintf("%s: %s %s on %s %s (account %s, target %s)", kindText[e.Kind], e.RuleID, e.Title, shortType(e.ResourceType), e.ResourceID, e.AccountID, e.Target)
}

// Subject summarizes a message in one line.
func Subject(m Message) string {
	counts := map[string]int{}
	for _, e := range m.Events {
		counts[e.Kind]++
	}
	var parts []string
	for _, k := range store.EventKinds() {
		if n := counts[string(k)]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ToLower(plural(kindText[string(k)], n))))
		}
	}
	return "cloudassure: " + strings.Join(parts, ", ")
}

// plural makes a kind's text plural for n > 1 ("New failure" -> "New failures").
func plural(text string, n int) string {
	if n == 1 || strings.HasSuffix(text, "ed") || strings.HasSuffix(text, "checked") {
		return text
	}
	return text + "s"
}

// BehaviorLines lists the behaviors of e by path pattern.
func BehaviorLines(e MessageEvent) []string {
	var out []string
	for _, b := range e.Behaviors {
		p := b.PathPattern
		if b.Default {
			p = "default (*)"
		}
		arn := b.RealtimeLogConfigARN
		if arn == "" {
			arn = "no real-time log config"
		}
		out = append(out, p+": "+arn)
	}
	return out
}

func shortType(t string) string {
	if t == "AWS::CloudFront::Distribution" {
		return "distribution"
	}
	return t
}
