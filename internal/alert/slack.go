package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/store"
)

// Slack posts a Block Kit message to an incoming webhook.
type Slack struct {
	ChannelName  string
	URL          string // a secret: never logged
	DashboardURL string
	Client       *http.Client
}

var _ Channel = (*Slack)(nil)

// Name is the channel's name.
func (s *Slack) Name() string { return s.ChannelName }

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

// SlackPayload is the incoming-webhook body for b.
func SlackPayload(b *store.Batch, dashboardURL string) map[string]any {
	m := NewMessage(b, dashboardURL, time.Now())
	blocks := []slackBlock{{Type: "header", Text: &slackText{Type: "plain_text", Text: trim(Subject(m), 150)}}}
	for i, e := range m.Events {
		if i == 45 { // Slack takes at most 50 blocks
			blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: fmt.Sprintf("…and %d more changes", len(m.Events)-i)}})
			break
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "*%s* · %s · risk %s\n", kindText[e.Kind], e.RuleID, e.Risk)
		fmt.Fprintf(&sb, "Account `%s` (%s) · %s `%s`\n", e.AccountID, e.Target, shortType(e.ResourceType), e.ResourceID)
		if e.FromStatus != "" {
			fmt.Fprintf(&sb, "%s → %s: ", e.FromStatus, e.ToStatus)
		}
		sb.WriteString(e.Message)
		for _, l := range BehaviorLines(e) {
			sb.WriteString("\n• " + l)
		}
		blocks = append(blocks, slackBlock{Type: "section", Text: &slackText{Type: "mrkdwn", Text: trim(sb.String(), 2900)}})
	}
	footer := "Delivery " + m.DeliveryID
	if dashboardURL != "" {
		footer += " · <" + dashboardURL + "|Open the dashboard>"
	}
	blocks = append(blocks, slackBlock{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: footer}}})
	return map[string]any{"text": Subject(m), "blocks": blocks}
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// Send posts b.
func (s *Slack) Send(ctx context.Context, b *store.Batch) error {
	body, err := json.Marshal(SlackPayload(b, s.DashboardURL))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("slack %s: invalid URL", s.ChannelName))
	}
	req.Header.Set("Content-Type", "application/json")
	return post(s.Client, req, "slack "+s.ChannelName)
}
