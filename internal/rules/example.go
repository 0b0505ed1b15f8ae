package rules

import (
	"github.com/cloudassure/cloudassure/internal/model"
)

// exampleInventory returns a live inventory holding ds.
func exampleInventory(ds ...*model.Distribution) *model.Inventory {
	return &model.Inventory{
		Source:        "example",
		Account:       "111122223333",
		Live:          true,
		Distributions: ds,
		Configs:       map[string]*model.RealtimeLogConfig{},
		Streams:       map[string]*model.Stream{},
		Roles:         map[string]*model.Role{},
	}
}

// exampleDistribution builds a distribution: defaultARN is the default
// behavior's config ARN, then pairs of path pattern and ARN ("" for none).
func exampleDistribution(id string, enabled bool, defaultARN string, ordered ...string) *model.Distribution {
	d := &model.Distribution{
		ID:      id,
		ARN:     "arn:aws:cloudfront::111122223333:distribution/" + id,
		Type:    "AWS::CloudFront::Distribution",
		Enabled: model.KnownValue(enabled, model.Origin{}),
	}
	d.Behaviors = append(d.Behaviors, exampleBehavior(model.DefaultPathPattern, true, defaultARN))
	for i := 0; i+1 < len(ordered); i += 2 {
		d.Behaviors = append(d.Behaviors, exampleBehavior(ordered[i], false, ordered[i+1]))
	}
	return d
}

func exampleBehavior(pattern string, def bool, arn string) *model.Behavior {
	b := &model.Behavior{PathPattern: pattern, Default: def}
	if arn == "" {
		b.RealtimeLogConfigARN = model.AbsentValue[string](model.Origin{})
	} else {
		b.RealtimeLogConfigARN = model.KnownValue(arn, model.Origin{})
		b.ConfigRef = arn
	}
	return b
}

const (
	exampleConfigARN = "arn:aws:cloudfront::111122223333:realtime-log-config/main"
	exampleStreamARN = "arn:aws:kinesis:us-east-1:111122223333:stream/cf-logs"
	exampleRoleARN   = "arn:aws:iam::111122223333:role/cf-logs"
)

// exampleDelivery returns an inventory with one distribution whose behaviors all
// use one config, streaming to a stream with the given status through a role
// trusting service and allowed actions on the stream.
func exampleDelivery(streamStatus, service string, actions ...string) *model.Inventory {
	inv := exampleInventory(exampleDistribution("E1DELIVERY", true, exampleConfigARN, "/api/*", exampleConfigARN))
	inv.Configs[exampleConfigARN] = exampleConfig(100, "timestamp", "c-ip", "sc-status", "cs-method", "cs-uri-stem", "x-edge-request-id", "x-edge-location")
	if streamStatus != "" {
		inv.Streams[exampleStreamARN] = &model.Stream{ARN: exampleStreamARN, Found: true, Status: streamStatus, Encryption: "NONE"}
	} else {
		inv.Streams[exampleStreamARN] = &model.Stream{ARN: exampleStreamARN}
	}
	acts := `"` + joinQuoted(actions) + `"`
	if len(actions) == 0 {
		acts = `[]`
	} else {
		acts = "[" + acts + "]"
	}
	inv.Roles[exampleRoleARN] = &model.Role{
		ARN: exampleRoleARN, Name: "cf-logs", Found: true,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`,
		Policies:    []model.Policy{{Name: "deliver", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":` + acts + `,"Resource":"` + exampleStreamARN + `"}]}`}},
	}
	return inv
}

func exampleConfig(rate int, fields ...string) *model.RealtimeLogConfig {
	return &model.RealtimeLogConfig{
		ARN:          exampleConfigARN,
		Name:         "main",
		SamplingRate: model.KnownValue(rate, model.Origin{}),
		Fields:       model.KnownValue(fields, model.Origin{}),
		Endpoints: []model.Endpoint{{
			StreamType: model.KnownValue("Kinesis", model.Origin{}),
			StreamARN:  model.KnownValue(exampleStreamARN, model.Origin{}),
			RoleARN:    model.KnownValue(exampleRoleARN, model.Origin{}),
		}},
	}
}

func joinQuoted(items []string) string {
	s := ""
	for i, it := range items {
		if i > 0 {
			s += `","`
		}
		s += it
	}
	return s
}
