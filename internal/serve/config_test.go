package serve

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/store"
)

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yml, want string }{
		{"listen: nope", "listen"},
		{"retention: forever", "retention"},
		{"targets:\n  - schedule: '@every 1h'", "name is required"},
		{"targets:\n  - name: a\n  - name: a", "used twice"},
		{"targets:\n  - name: a\n    schedule: 'every hour'", "schedule"},
		{"targets:\n  - name: a\n    accounts: ['123']\n    role_name: r", "12-digit"},
		{"targets:\n  - name: a\n    accounts: ['123456789012']", "role_name"},
		{"targets:\n  - name: a\n    ous: [ou-abcd-12345678]", "need org: true"},
		{"targets:\n  - name: a\n    org: true\n    ous: [bogus]", "bogus"},
		{"targets:\n  - name: a\n    rules: [CF-999]", "unknown rule"},
		{"targets:\n  - name: a\n    timeout: soon", "timeout"},
		{"targets:\n  - name: a\n    settings: missing.yaml", "missing.yaml"},
		{"targets:\n  - name: a\n    rates: {cloudfrnt: 10}", `rates: unknown service "cloudfrnt"`},
		{"targets:\n  - name: a\n    rates: {sts: 0}", "rates: sts: 0 calls per second"},
		{"slot_lease: 1s", "slot_lease"},
		{"alerts:\n  - name: s\n    type: slack", "url_env or url_file"},
		{"alerts:\n  - name: s\n    type: pager", "type"},
		{"alerts:\n  - name: m\n    type: email\n    smtp: host:25", "from and to"},
		{"alerts:\n  - name: s\n    type: terminal\n    events: [everything]", "unknown event"},
		{"alerts:\n  - name: s\n    type: terminal\n    min_risk: Severe", "min_risk"},
		{"bogus_key: 1", "bogus_key"},
		{"stor: sqlite:x.db", `line 1: unknown key "stor" (known: store, store_env, listen,`},
		{"targets:\n  - name: a\n    shedule: '@every 1h'", `line 3: unknown key "shedule" (known: name, schedule,`},
	} {
		_, err := ParseConfig("serve.yaml", []byte(tc.yml))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "serve.yaml: ") {
			t.Errorf("%q: err %v, want one naming serve.yaml and %q", tc.yml, err, tc.want)
		}
	}
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig("serve.yaml", []byte("targets:\n  - name: prod\nalerts:\n  - name: t\n    type: terminal\n"))
	if err != nil {
		t.Fatal(err)
	}
	tg := cfg.Targets[0]
	if cfg.Listen != "127.0.0.1:8080" || cfg.retention != 400*24*time.Hour || cfg.Concurrency != 4 || !strings.HasPrefix(cfg.Store, "sqlite:") ||
		tg.Schedule != "@every 1h" || tg.timeout != 10*time.Minute || tg.Concurrency != 16 || len(tg.Rates) != 0 || cfg.slotLease != 30*time.Second || len(tg.rules) != 3 || len(cfg.Alerts[0].Events) != 4 {
		t.Errorf("defaults: %+v %+v", cfg, tg)
	}
	if next := tg.schedule.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); !next.Equal(time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("@every 1h next = %v", next)
	}
}

func TestAlertMatches(t *testing.T) {
	a := AlertConfig{Events: []string{"regression"}, MinRisk: "Medium", Targets: []string{"prod"}, Rules: []string{"CF-001"}}
	ev := store.Event{Key: store.Key{Target: "prod", AccountID: "1", RuleID: "CF-001"}, Kind: store.Regression, Risk: "Medium"}
	if !a.Matches(ev) {
		t.Error("matching event refused")
	}
	for _, mod := range []func(*store.Event){
		func(e *store.Event) { e.Kind = store.Resolved },
		func(e *store.Event) { e.Risk = "Low" },
		func(e *store.Event) { e.Target = "dev" },
		func(e *store.Event) { e.RuleID = "CF-003" },
	} {
		e := ev
		mod(&e)
		if a.Matches(e) {
			t.Errorf("%+v should not match", e)
		}
	}
}

// TestSecrets: secrets come from the environment or files, and a missing one is an error naming where.
func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "url"), []byte("https://hooks.example.com/T0KEN\n"), 0o600)
	t.Setenv("CA_TEST_SECRET", "s3")
	cfg, err := ParseConfig(filepath.Join(dir, "serve.yaml"), []byte("alerts:\n  - name: h\n    type: webhook\n    url_file: url\n    secret_env: CA_TEST_SECRET\n"))
	if err != nil {
		t.Fatal(err)
	}
	chans, err := Channels(cfg, nil)
	if err != nil || len(chans) != 1 || chans[0].Name() != "h" {
		t.Fatalf("channels %v, %v", chans, err)
	}
	cfg, err = ParseConfig(filepath.Join(dir, "serve.yaml"), []byte("alerts:\n  - name: h\n    type: webhook\n    url_env: CA_TEST_UNSET\n    secret_env: CA_TEST_SECRET\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Channels(cfg, nil); err == nil || !strings.Contains(err.Error(), "CA_TEST_UNSET is not set") {
		t.Errorf("unset secret: %v", err)
	}
	// A webhook without its HMAC key would send unsigned bodies: refused.
	_, err = ParseConfig(filepath.Join(dir, "serve.yaml"), []byte("alerts:\n  - name: h\n    type: webhook\n    url_file: url\n"))
	if err == nil || !strings.Contains(err.Error(), "alert h: webhook needs secret_env or secret_file") {
		t.Errorf("webhook without a secret: %v", err)
	}
}

func TestRunRefusesOpenListenWithoutToken(t *testing.T) {
	cfg, err := ParseConfig("serve.yaml", []byte("store: sqlite:"+filepath.Join(t.TempDir(), "x.db")+"\nlisten: 0.0.0.0:0\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = Run(t.Context(), RunOptions{Config: cfg, Scanner: &fakeScanner{}})
	if err == nil || !strings.Contains(err.Error(), "without token_file") {
		t.Errorf("Run on 0.0.0.0 without a token: %v", err)
	}
	cfg.Listen = "127.0.0.1:0"
	err = Run(t.Context(), RunOptions{Config: cfg, Scanner: &fakeScanner{}, WorkerOnly: true})
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("--worker-only on SQLite: %v", err)
	}
}

// TestREADMEServeYAML: the README's serve.yaml example is a valid config,
// and its reference table lists exactly the keys serve.yaml accepts.
func TestREADMEServeYAML(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(raw), "\n### serve.yaml\n")
	if !ok {
		t.Fatal("README has no serve.yaml section")
	}
	sec, _, _ = strings.Cut(sec, "\n### ")
	_, example, ok := strings.Cut(sec, "```yaml\n")
	example, _, ok2 := strings.Cut(example, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml example in the serve.yaml section")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prod.cloudassure.yaml"), []byte("policy:\n  min_sampling_rate: 100\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseConfig(filepath.Join(dir, "serve.yaml"), []byte(example)); err != nil {
		t.Errorf("the README's example: %v", err)
	}

	documented := map[string]bool{}
	for _, line := range strings.Split(sec, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cell := strings.Split(line, "|")[1]
		prefix := ""
		for i, part := range strings.Split(cell, "`") {
			name := strings.TrimSpace(part)
			if i%2 == 0 || name == "" {
				continue
			}
			if p, n, ok := strings.Cut(name, "[]."); ok {
				prefix, name = p+"[].", n
			}
			documented[prefix+name] = true
		}
	}
	accepted := map[string]bool{}
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct {
				walk(prefix+tag+"[].", f.Type.Elem())
				continue
			}
			accepted[prefix+tag] = true
		}
	}
	walk("", reflect.TypeFor[Config]())
	if diff := cmp.Diff(slices.Sorted(maps.Keys(accepted)), slices.Sorted(maps.Keys(documented))); diff != "" {
		t.Errorf("serve.yaml keys (-accepted +documented in the README):\n%s", diff)
	}
}
