package serve

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/cloudassure/cloudassure/internal/auditrole"
	"github.com/cloudassure/cloudassure/internal/demo"
	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/source/live"
)

// Demo is the built-in emulator with the demo Organization, for serve --demo
// and the end-to-end tests.
type Demo struct {
	Emulator *emulator.Server
	URL      string
	Org      *demo.Org

	mu     sync.Mutex
	broken []brokenBehavior
	step   int
	rng    *rand.Rand
}

type brokenBehavior struct {
	account, dist, arn string
}

// StartDemo starts the emulator on loopback and seeds the demo Organization
// (the management account and members accounts, at least demo.OrgMinMembers).
func StartDemo(ctx context.Context, members int) (*Demo, error) {
	emu := emulator.New(emulator.Options{})
	url, err := emu.Start("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	o, err := demo.SeedOrg(ctx, emu, live.EndpointConfig(url, nil), members)
	if err != nil {
		emu.Close()
		return nil, err
	}
	return &Demo{Emulator: emu, URL: url, Org: o, rng: rand.New(rand.NewPCG(1, 2))}, nil
}

// Close stops the emulator.
func (d *Demo) Close() error { return d.Emulator.Close() }

// Config is the serve configuration of the demo: the Organization scanned
// every interval, alerts to the terminal.
func (d *Demo) Config(store, listen, interval string) string {
	return fmt.Sprintf(`store: %q
listen: %q
targets:
  - name: demo-org
    org: true
    role_name: %s
    schedule: "@every %s"
alerts:
  - name: terminal
    type: terminal
    events: [new_failure, regression, resolved, error, resource_deleted, suppression_expired]
`, store, listen, auditrole.Name, interval)
}

// BaseConfig reaches the emulator as its management account.
func (d *Demo) BaseConfig(context.Context, *TargetConfig) (aws.Config, error) {
	return live.EndpointConfig(d.URL, nil), nil
}

// AccountConfig acts in one demo account (with the key the seed registered for it).
func (d *Demo) AccountConfig(account string) aws.Config {
	cfg := live.EndpointConfig(d.URL, nil)
	if account != d.Emulator.AccountID() {
		cfg.Credentials = credentials.NewStaticCredentialsProvider("AKIASEED"+account, "demo-secret", "")
	}
	return cfg
}

// Mutate changes the demo now and then, in turn: a behavior loses its
// real-time log config, the fix is applied again, a stream is deleted. It
// returns a sentence saying what it did ("" when there was nothing to do).
func (d *Demo) Mutate(ctx context.Context) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.step++
	switch {
	case d.step%3 == 2 && len(d.broken) > 0:
		b := d.broken[len(d.broken)-1]
		d.broken = d.broken[:len(d.broken)-1]
		if err := d.setDefaultARN(ctx, b.account, b.dist, b.arn); err != nil {
			return "", err
		}
		return fmt.Sprintf("fix applied: distribution %s in account %s logs again", b.dist, b.account), nil
	case d.step%3 == 0:
		return d.deleteStream(ctx)
	}
	return d.breakBehavior(ctx)
}

func (d *Demo) auditable() []*demo.OrgAccount {
	var out []*demo.OrgAccount
	for _, a := range d.Org.Accounts {
		if a.State == "ACTIVE" && (a.Role || a.ID == d.Emulator.AccountID()) && a.ExternalID == "" {
			out = append(out, a)
		}
	}
	return out
}

func (d *Demo) breakBehavior(ctx context.Context) (string, error) {
	accts := d.auditable()
	for _, i := range d.rng.Perm(len(accts)) {
		a := accts[i]
		cf := cloudfront.NewFromConfig(d.AccountConfig(a.ID))
		list, err := cf.ListDistributions(ctx, &cloudfront.ListDistributionsInput{})
		if err != nil {
			return "", fmt.Errorf("demo: account %s: %w", a.ID, err)
		}
		for _, s := range list.DistributionList.Items {
			if aws.ToBool(s.Enabled) && s.DefaultCacheBehavior != nil && aws.ToString(s.DefaultCacheBehavior.RealtimeLogConfigArn) != "" {
				arn := aws.ToString(s.DefaultCacheBehavior.RealtimeLogConfigArn)
				if err := d.setDefaultARN(ctx, a.ID, aws.ToString(s.Id), ""); err != nil {
					return "", err
				}
				d.broken = append(d.broken, brokenBehavior{a.ID, aws.ToString(s.Id), arn})
				return fmt.Sprintf("change: the default behavior of distribution %s in account %s lost its real-time log config", aws.ToString(s.Id), a.ID), nil
			}
		}
	}
	return "", nil
}

func (d *Demo) setDefaultARN(ctx context.Context, account, id, arn string) error {
	cf := cloudfront.NewFromConfig(d.AccountConfig(account))
	got, err := cf.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if err != nil {
		return fmt.Errorf("demo: distribution %s: %w", id, err)
	}
	cfg := got.DistributionConfig
	if arn == "" {
		cfg.DefaultCacheBehavior.RealtimeLogConfigArn = nil
	} else {
		cfg.DefaultCacheBehavior.RealtimeLogConfigArn = aws.String(arn)
	}
	if _, err := cf.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: got.ETag, DistributionConfig: cfg}); err != nil {
		return fmt.Errorf("demo: update distribution %s: %w", id, err)
	}
	return nil
}

func (d *Demo) deleteStream(ctx context.Context) (string, error) {
	for _, a := range d.auditable() {
		kin := kinesis.NewFromConfig(d.AccountConfig(a.ID))
		list, err := kin.ListStreams(ctx, &kinesis.ListStreamsInput{})
		if err != nil {
			return "", fmt.Errorf("demo: account %s: %w", a.ID, err)
		}
		for _, name := range list.StreamNames {
			if name != "cf-logs" {
				continue
			}
			if _, err := kin.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String(name), EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
				return "", fmt.Errorf("demo: delete stream %s: %w", name, err)
			}
			return fmt.Sprintf("change: Kinesis stream %s in account %s was deleted", name, a.ID), nil
		}
	}
	return "", nil
}
