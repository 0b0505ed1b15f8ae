package live

import (
	"context"
	"testing"
)

// TestReadDistributionsOnly: what CF-001 (and fix aws) needs costs one
// identity call and one list call per 100 distributions, nothing more.
func TestReadDistributionsOnly(t *testing.T) {
	url, cases := seededDemo(t, nil)
	counter := NewCallCounter()
	inv, err := Read(context.Background(), Options{Config: EndpointConfig(url, counter), DistributionsOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Distributions) != len(cases) || inv.Account == "" || inv.Partition != "aws" {
		t.Errorf("%d distributions (want %d), account %q, partition %q", len(inv.Distributions), len(cases), inv.Account, inv.Partition)
	}
	if c := counter.Counts(); len(c) != 2 || c["sts:GetCallerIdentity"] != 1 || c["cloudfront:ListDistributions"] != 1 {
		t.Errorf("calls %s, want only sts:GetCallerIdentity and cloudfront:ListDistributions once", counter)
	}
	if len(inv.Configs)+len(inv.Streams)+len(inv.Roles) != 0 {
		t.Errorf("read %d configs, %d streams, %d roles", len(inv.Configs), len(inv.Streams), len(inv.Roles))
	}
	for _, d := range inv.Distributions {
		if d.ETag == "" {
			t.Errorf("%s: no ETag from the list", d.ID)
		}
	}
}
