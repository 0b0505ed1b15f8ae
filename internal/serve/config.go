// Package serve is `cloudassure serve`: scheduled scans as jobs, their
// history in the store, alerts on change, and the HTTP API.
package serve

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/cloudassure/cloudassure/internal/org"
	"github.com/cloudassure/cloudassure/internal/rules"
	"github.com/cloudassure/cloudassure/internal/settings"
	"github.com/cloudassure/cloudassure/internal/store"
	"github.com/cloudassure/cloudassure/internal/strictyaml"
)

// Config is serve.yaml.
type Config struct {
	// Store is "sqlite:PATH" or a postgres:// URL; default sqlite under ~/.cloudassure/.
	Store string `yaml:"store"`
	// StoreEnv names an environment variable holding the store URL (for a PostgreSQL password).
	StoreEnv string `yaml:"store_env"`
	// Listen is the HTTP address; default 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	// TokenFile holds the bearer token the API requires; mandatory off loopback.
	TokenFile string `yaml:"token_file"`
	// TokenName is who the dashboard records for what is done with the token
	// (suppressing a finding); default "token".
	TokenName string `yaml:"token_name"`
	// Retention is how long events and totals are kept, e.g. 400d; default 400d.
	Retention string `yaml:"retention"`
	// Concurrency is the number of account scans one worker runs at once; default 4.
	Concurrency int `yaml:"concurrency"`
	// RescueAfter is how long a scan job may run before another worker takes
	// it over (its worker is taken for dead); default the longest target
	// timeout + 2 min. It must exceed every target's timeout + 30 s.
	RescueAfter string `yaml:"rescue_after"`
	// SlotLease is how long a worker's hold on one of a target's scan slots
	// lasts unless renewed (every third of it) on PostgreSQL: a killed
	// worker's slots free up after it; default 30s, at least 3s.
	SlotLease string `yaml:"slot_lease"`
	// DashboardURL is linked from alerts.
	DashboardURL string         `yaml:"dashboard_url"`
	Targets      []TargetConfig `yaml:"targets"`
	Alerts       []AlertConfig  `yaml:"alerts"`

	retention   time.Duration
	rescueAfter time.Duration
	slotLease   time.Duration
	path        string
}

// TargetConfig is one scan target: an account reached through a profile or
// the default chain, or a list of accounts reached by assuming a role.
type TargetConfig struct {
	Name string `yaml:"name"`
	// Schedule is "@every 1h" or a cron expression (5 fields).
	Schedule string `yaml:"schedule"`
	// Profile is the AWS named profile; empty uses the default chain.
	Profile string `yaml:"profile"`
	// Region is the default region for the SDK.
	Region string `yaml:"region"`
	// EndpointURL sends every call elsewhere (an emulator).
	EndpointURL string `yaml:"endpoint_url"`
	// Accounts, when set, are scanned by assuming RoleName in each; with
	// Org they select members (with OUs; default every account).
	Accounts []string `yaml:"accounts"`
	// Org scans an AWS Organization: the credentials are the management
	// account's (or a delegated administrator's); members through RoleName.
	Org bool `yaml:"org"`
	// OUs selects the members under these OU (or root) IDs; ExcludeAccounts drops some.
	OUs             []string `yaml:"ous"`
	ExcludeAccounts []string `yaml:"exclude_accounts"`
	// RoleName is assumed in each member (arn:aws:iam::ID:role/RoleName);
	// for Org it defaults to CloudAssureAudit.
	RoleName string `yaml:"role_name"`
	// ExternalID is passed to AssumeRole.
	ExternalID string `yaml:"external_id"`
	// Settings is a .cloudassure.yaml (policy and suppressions); relative to serve.yaml.
	Settings string `yaml:"settings"`
	// Rules restricts the rules that run; default all.
	Rules []string `yaml:"rules"`
	// IncludeDisabled evaluates disabled distributions.
	IncludeDisabled bool `yaml:"include_disabled"`
	// Concurrency bounds the scans of this target's accounts running at once,
	// across every worker sharing the store; default 16.
	Concurrency int `yaml:"concurrency"`
	// Rates bound this target's AWS calls per second by service (cloudfront,
	// iam, kinesis, sts, organizations; "*" for any other), summed over all
	// its accounts and every worker; default none (each member account's own
	// limits still apply).
	Rates map[string]float64 `yaml:"rates"`
	// Timeout bounds one account scan; default 10m.
	Timeout string `yaml:"timeout"`

	schedule cron.Schedule
	settings *settings.File
	rules    []*rules.Rule
	timeout  time.Duration
}

// AlertConfig is one alert channel and what it fires on.
type AlertConfig struct {
	Name string `yaml:"name"`
	// Type is slack, webhook, email or terminal.
	Type string `yaml:"type"`
	// Events it fires on; default new_failure, regression, resolved, error.
	Events []string `yaml:"events"`
	// MinRisk drops events of lower risk (Low, Medium, High, Critical).
	MinRisk  string   `yaml:"min_risk"`
	Targets  []string `yaml:"targets"`
	Accounts []string `yaml:"accounts"`
	Rules    []string `yaml:"rules"`
	// URLEnv / URLFile name where the webhook URL (a secret) is read from.
	URLEnv  string `yaml:"url_env"`
	URLFile string `yaml:"url_file"`
	// SecretEnv / SecretFile name where the webhook's HMAC secret is read from.
	SecretEnv  string `yaml:"secret_env"`
	SecretFile string `yaml:"secret_file"`
	// SMTP for email: host:port, STARTTLS required.
	SMTP         string   `yaml:"smtp"`
	Username     string   `yaml:"username"`
	PasswordEnv  string   `yaml:"password_env"`
	PasswordFile string   `yaml:"password_file"`
	From         string   `yaml:"from"`
	To           []string `yaml:"to"`
	// InsecureSkipVerify accepts any TLS certificate from the SMTP server (tests, lab setups).
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// DefaultStore is the SQLite file used when the config names none.
func DefaultStore() string {
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return "sqlite:" + filepath.Join(home, ".cloudassure", "cloudassure.db")
}

// LoadConfig reads and checks serve.yaml.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("serve config: %w", err)
	}
	return ParseConfig(path, data)
}

// ParseConfig checks a serve.yaml read from path (relative paths in it are relative to path's directory).
func ParseConfig(path string, data []byte) (*Config, error) {
	var c Config
	if err := strictyaml.Decode(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.path = path
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

func (c *Config) rel(p string) string {
	if p == "" || filepath.IsAbs(p) || c.path == "" {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}

func (c *Config) check() error {
	if c.StoreEnv != "" {
		v := os.Getenv(c.StoreEnv)
		if v == "" {
			return fmt.Errorf("store_env: %s is not set", c.StoreEnv)
		}
		c.Store = v
	}
	if c.Store == "" {
		c.Store = DefaultStore()
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8080"
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("listen %q: %w", c.Listen, err)
	}
	c.TokenFile = c.rel(c.TokenFile)
	if c.Retention == "" {
		c.Retention = "400d"
	}
	d, err := ParseDuration(c.Retention)
	if err != nil || d <= 0 {
		return fmt.Errorf("retention %q: want a duration such as 400d or 720h", c.Retention)
	}
	c.retention = d
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	names := map[string]bool{}
	for i := range c.Targets {
		t := &c.Targets[i]
		if t.Name == "" {
			return fmt.Errorf("targets[%d]: name is required", i)
		}
		if names[t.Name] {
			return fmt.Errorf("targets[%d]: name %q is used twice", i, t.Name)
		}
		names[t.Name] = true
		if t.Schedule == "" {
			t.Schedule = "@every 1h"
		}
		sch, err := cron.ParseStandard(t.Schedule)
		if err != nil {
			return fmt.Errorf("target %s: schedule %q: %w", t.Name, t.Schedule, err)
		}
		t.schedule = sch
		if t.Org {
			sel := org.Selection{Accounts: t.Accounts, OUs: t.OUs, Exclude: t.ExcludeAccounts}
			if err := sel.Validate(); err != nil {
				return fmt.Errorf("target %s: %w", t.Name, err)
			}
		} else if len(t.OUs) > 0 || len(t.ExcludeAccounts) > 0 {
			return fmt.Errorf("target %s: ous and exclude_accounts need org: true", t.Name)
		}
		if !t.Org && len(t.Accounts) > 0 && t.RoleName == "" {
			return fmt.Errorf("target %s: accounts need role_name (the role assumed in each)", t.Name)
		}
		for _, a := range t.Accounts {
			if len(a) != 12 || strings.Trim(a, "0123456789") != "" {
				return fmt.Errorf("target %s: account %q is not a 12-digit account ID", t.Name, a)
			}
		}
		t.settings = settings.Default()
		if t.Settings != "" {
			f, err := settings.Load(c.rel(t.Settings))
			if err != nil {
				return fmt.Errorf("target %s: %w", t.Name, err)
			}
			t.settings = f
		}
		t.rules = rules.All()
		if len(t.Rules) > 0 {
			t.rules = nil
			for _, id := range t.Rules {
				r, ok := rules.Find(id)
				if !ok {
					return fmt.Errorf("target %s: unknown rule %q", t.Name, id)
				}
				t.rules = append(t.rules, r)
			}
		}
		if t.Concurrency <= 0 {
			t.Concurrency = 16
		}
		for svc, r := range t.Rates {
			if !slices.Contains([]string{"cloudfront", "iam", "kinesis", "sts", "organizations", "*"}, svc) {
				return fmt.Errorf("target %s: rates: unknown service %q (want cloudfront, iam, kinesis, sts, organizations or *)", t.Name, svc)
			}
			if r <= 0 {
				return fmt.Errorf("target %s: rates: %s: %v calls per second; want more than 0", t.Name, svc, r)
			}
		}
		t.timeout = 10 * time.Minute
		if t.Timeout != "" {
			d, err := ParseDuration(t.Timeout)
			if err != nil || d <= 0 {
				return fmt.Errorf("target %s: timeout %q: want a duration such as 10m", t.Name, t.Timeout)
			}
			t.timeout = d
		}
	}
	c.slotLease = 30 * time.Second
	if c.SlotLease != "" {
		d, err := ParseDuration(c.SlotLease)
		if err != nil || d < 3*time.Second {
			return fmt.Errorf("slot_lease %q: want a duration of at least 3s", c.SlotLease)
		}
		c.slotLease = d
	}
	c.rescueAfter = longestTimeout(c) + 2*time.Minute
	if c.RescueAfter != "" {
		d, err := ParseDuration(c.RescueAfter)
		if err != nil || d < longestTimeout(c)+30*time.Second {
			return fmt.Errorf("rescue_after %q: want a duration longer than the longest target timeout + 30s (%v)", c.RescueAfter, longestTimeout(c)+30*time.Second)
		}
		c.rescueAfter = d
	}
	channels := map[string]bool{}
	for i := range c.Alerts {
		a := &c.Alerts[i]
		if a.Name == "" {
			return fmt.Errorf("alerts[%d]: name is required", i)
		}
		if channels[a.Name] {
			return fmt.Errorf("alerts[%d]: name %q is used twice", i, a.Name)
		}
		channels[a.Name] = true
		if len(a.Events) == 0 {
			a.Events = []string{string(store.NewFailure), string(store.Regression), string(store.Resolved), string(store.ErrorEvent)}
		}
		for _, e := range a.Events {
			ok := false
			for _, k := range store.EventKinds() {
				ok = ok || string(k) == e
			}
			if !ok {
				return fmt.Errorf("alert %s: unknown event %q", a.Name, e)
			}
		}
		if a.MinRisk != "" && store.RiskRank(a.MinRisk) == 0 {
			return fmt.Errorf("alert %s: min_risk %q: want Low, Medium, High or Critical", a.Name, a.MinRisk)
		}
		a.URLFile, a.SecretFile, a.PasswordFile = c.rel(a.URLFile), c.rel(a.SecretFile), c.rel(a.PasswordFile)
		switch a.Type {
		case "slack", "webhook":
			if a.URLEnv == "" && a.URLFile == "" {
				return fmt.Errorf("alert %s: %s needs url_env or url_file (the URL is a secret: not in the config)", a.Name, a.Type)
			}
			if a.Type == "webhook" && a.SecretEnv == "" && a.SecretFile == "" {
				return fmt.Errorf("alert %s: webhook needs secret_env or secret_file (the shared key of X-Cloudassure-Signature, which receivers check)", a.Name)
			}
		case "email":
			if a.SMTP == "" || a.From == "" || len(a.To) == 0 {
				return fmt.Errorf("alert %s: email needs smtp (host:port), from and to", a.Name)
			}
			if _, _, err := net.SplitHostPort(a.SMTP); err != nil {
				return fmt.Errorf("alert %s: smtp %q: %w", a.Name, a.SMTP, err)
			}
		case "terminal":
		default:
			return fmt.Errorf("alert %s: type %q: want slack, webhook, email or terminal", a.Name, a.Type)
		}
	}
	return nil
}

// longestTimeout is the longest scan timeout of the targets.
func longestTimeout(c *Config) time.Duration {
	var d time.Duration
	for _, t := range c.Targets {
		d = max(d, t.timeout)
	}
	return d
}

// Matches reports whether the channel's rules take ev.
func (a *AlertConfig) Matches(ev store.Event) bool {
	in := func(list []string, v string) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	if !in(a.Events, string(ev.Kind)) || !in(a.Targets, ev.Target) || !in(a.Accounts, ev.AccountID) || !in(a.Rules, ev.RuleID) {
		return false
	}
	return a.MinRisk == "" || store.RiskRank(ev.Risk) >= store.RiskRank(a.MinRisk)
}

// ParseDuration is time.ParseDuration that also takes whole days ("400d", "7d").
func ParseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("duration %q: %w", s, err)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}

// secret reads a secret from the environment variable env or the file path.
func secret(what, env, path string) (string, error) {
	if env != "" {
		v := os.Getenv(env)
		if v == "" {
			return "", fmt.Errorf("%s: environment variable %s is not set", what, env)
		}
		return v, nil
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("%s: %s is empty", what, path)
		}
		return v, nil
	}
	return "", nil
}
