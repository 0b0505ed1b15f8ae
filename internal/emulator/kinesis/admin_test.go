package kinesis_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

func TestKinesisRetentionPeriodChanges(t *testing.T) {
	clock := emutest.NewClock()
	_, c := kinTestClient(t, emulator.Options{Now: clock.Now, StreamActivationDelay: time.Second})
	ctx := context.Background()
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("r"), ShardCount: aws.Int32(1)})
	clock.Advance(time.Second)
	if got := kinSummary(t, c, "r").RetentionPeriodHours; aws.ToInt32(got) != 24 {
		t.Fatalf("new stream retention %d, want 24", aws.ToInt32(got))
	}
	inc := func(h int32) error {
		_, err := c.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("r"), RetentionPeriodHours: aws.Int32(h)})
		return err
	}
	dec := func(h int32) error {
		_, err := c.DecreaseStreamRetentionPeriod(ctx, &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: aws.String("r"), RetentionPeriodHours: aws.Int32(h)})
		return err
	}
	// The Terraform provider asks for 24 hours on every new stream.
	if err := inc(24); err != nil {
		t.Fatalf("increase to the current period: %v", err)
	}
	if s := kinSummary(t, c, "r"); s.StreamStatus != types.StreamStatusUpdating {
		t.Fatalf("status after a retention change %s, want UPDATING", s.StreamStatus)
	}
	emutest.WantErr[*types.ResourceInUseException](t, inc(48))
	clock.Advance(time.Second)
	if err := inc(48); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if s := kinSummary(t, c, "r"); aws.ToInt32(s.RetentionPeriodHours) != 48 || s.StreamStatus != types.StreamStatusActive {
		t.Fatalf("after increase: %d hours, %s", aws.ToInt32(s.RetentionPeriodHours), s.StreamStatus)
	}
	for _, tt := range []struct {
		name string
		err  error
	}{
		{"increase below current", inc(30)},
		{"decrease above current", dec(72)},
		{"below minimum", dec(23)},
		{"above maximum", inc(8761)},
	} {
		t.Run(tt.name, func(t *testing.T) { emutest.WantErr[*types.InvalidArgumentException](t, tt.err) })
	}
	if err := dec(24); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	d, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("r")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(d.StreamDescription.RetentionPeriodHours) != 24 {
		t.Fatalf("DescribeStream retention %d, want 24", aws.ToInt32(d.StreamDescription.RetentionPeriodHours))
	}
	_, err = c.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("missing"), RetentionPeriodHours: aws.Int32(48)})
	emutest.WantErr[*types.ResourceNotFoundException](t, err)
}

func TestKinesisTags(t *testing.T) {
	_, c := kinTestClient(t, emulator.Options{})
	ctx := context.Background()
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("t"), ShardCount: aws.Int32(1), Tags: map[string]string{"team": "edge", "env": "prod"}})
	list := func(in *kinesis.ListTagsForStreamInput) *kinesis.ListTagsForStreamOutput {
		t.Helper()
		in.StreamName = aws.String("t")
		out, err := c.ListTagsForStream(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	keys := func(tags []types.Tag) []string {
		var out []string
		for _, tg := range tags {
			out = append(out, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
		}
		return out
	}
	if got := keys(list(&kinesis.ListTagsForStreamInput{}).Tags); !cmp.Equal(got, []string{"env=prod", "team=edge"}) {
		t.Fatalf("tags from CreateStream: %v", got)
	}
	if _, err := c.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String("t"), Tags: map[string]string{"team": "cdn", "cost": "42"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemoveTagsFromStream(ctx, &kinesis.RemoveTagsFromStreamInput{StreamName: aws.String("t"), TagKeys: []string{"env", "not-there"}}); err != nil {
		t.Fatal(err)
	}
	page := list(&kinesis.ListTagsForStreamInput{Limit: aws.Int32(1)})
	if got := keys(page.Tags); !cmp.Equal(got, []string{"cost=42"}) || !aws.ToBool(page.HasMoreTags) {
		t.Fatalf("first page %v, more %v", got, aws.ToBool(page.HasMoreTags))
	}
	page = list(&kinesis.ListTagsForStreamInput{ExclusiveStartTagKey: aws.String("cost")})
	if got := keys(page.Tags); !cmp.Equal(got, []string{"team=cdn"}) || aws.ToBool(page.HasMoreTags) {
		t.Fatalf("second page %v, more %v", got, aws.ToBool(page.HasMoreTags))
	}
	many := map[string]string{}
	for i := range 49 {
		many[string(rune('a'+i%26))+string(rune('a'+i/26))] = "v"
	}
	_, err := c.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String("t"), Tags: many})
	emutest.WantErr[*types.InvalidArgumentException](t, err)
	_, err = c.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String("t"), Tags: map[string]string{"aws:x": "y"}})
	emutest.WantErr[*types.InvalidArgumentException](t, err)
	_, err = c.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: aws.String("t"), Limit: aws.Int32(51)})
	emutest.WantCode(t, err, "ValidationException")
}

func TestKinesisUpdateStreamMode(t *testing.T) {
	clock := emutest.NewClock()
	_, c := kinTestClient(t, emulator.Options{Now: clock.Now, StreamActivationDelay: time.Second})
	ctx := context.Background()
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("m"), ShardCount: aws.Int32(2)})
	clock.Advance(time.Second)
	arn := kinSummary(t, c, "m").StreamARN
	mode := func(m types.StreamMode) error {
		_, err := c.UpdateStreamMode(ctx, &kinesis.UpdateStreamModeInput{StreamARN: arn, StreamModeDetails: &types.StreamModeDetails{StreamMode: m}})
		return err
	}
	emutest.WantErr[*types.InvalidArgumentException](t, mode(types.StreamModeProvisioned))
	if err := mode(types.StreamModeOnDemand); err != nil {
		t.Fatal(err)
	}
	s := kinSummary(t, c, "m")
	if s.StreamModeDetails.StreamMode != types.StreamModeOnDemand || s.StreamStatus != types.StreamStatusUpdating || aws.ToInt32(s.OpenShardCount) != 2 {
		t.Fatalf("after switch: mode %s, status %s, %d shards", s.StreamModeDetails.StreamMode, s.StreamStatus, aws.ToInt32(s.OpenShardCount))
	}
	emutest.WantErr[*types.ResourceInUseException](t, mode(types.StreamModeProvisioned))
	clock.Advance(time.Second)
	if err := mode(types.StreamModeProvisioned); err != nil {
		t.Fatal(err)
	}
}

func TestKinesisDescribeLimits(t *testing.T) {
	_, c := kinTestClient(t, emulator.Options{})
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("p"), ShardCount: aws.Int32(3)})
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("o"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	out, err := c.DescribeLimits(context.Background(), &kinesis.DescribeLimitsInput{})
	if err != nil {
		t.Fatal(err)
	}
	got := []int32{aws.ToInt32(out.ShardLimit), aws.ToInt32(out.OpenShardCount), aws.ToInt32(out.OnDemandStreamCount), aws.ToInt32(out.OnDemandStreamCountLimit)}
	if want := []int32{500, 3, 1, 50}; !cmp.Equal(got, want) {
		t.Fatalf("limits %v, want %v", got, want)
	}
}

// TestKinesisLongerRetentionKeepsRecords checks that trimming follows the
// stream's own retention period.
func TestKinesisLongerRetentionKeepsRecords(t *testing.T) {
	ctx := context.Background()
	clock := emutest.NewClock()
	_, c := kinTestClient(t, emulator.Options{Now: clock.Now})
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("long"), ShardCount: aws.Int32(1)})
	if _, err := c.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("long"), RetentionPeriodHours: aws.Int32(48)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("long"), PartitionKey: aws.String("k"), Data: []byte("a")}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Hour)
	if recs := emutest.ReadShard(t, c, "long", "shardId-000000000000"); len(recs) != 1 {
		t.Fatalf("records after 30h with 48h retention = %d, want 1", len(recs))
	}
	clock.Advance(19 * time.Hour)
	if recs := emutest.ReadShard(t, c, "long", "shardId-000000000000"); len(recs) != 0 {
		t.Fatalf("records after 49h with 48h retention = %d, want 0", len(recs))
	}
}

func TestKinesisUpdateShardCount(t *testing.T) {
	ctx := context.Background()
	clock := emutest.NewClock()
	_, c := kinTestClient(t, emulator.Options{Now: clock.Now, StreamActivationDelay: time.Second})
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("s"), ShardCount: aws.Int32(2)})
	clock.Advance(time.Second)
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("before")}); err != nil {
		t.Fatal(err)
	}
	update := func(n int32) (*kinesis.UpdateShardCountOutput, error) {
		return c.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: aws.String("s"), TargetShardCount: aws.Int32(n), ScalingType: types.ScalingTypeUniformScaling})
	}
	_, err := update(5)
	emutest.WantErr[*types.InvalidArgumentException](t, err)
	out, err := update(4)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.CurrentShardCount) != 2 || aws.ToInt32(out.TargetShardCount) != 4 || aws.ToString(out.StreamARN) == "" {
		t.Errorf("UpdateShardCount output %+v", out)
	}
	s := kinSummary(t, c, "s")
	if s.StreamStatus != types.StreamStatusUpdating || aws.ToInt32(s.OpenShardCount) != 4 {
		t.Fatalf("after resharding: %s, %d open shards", s.StreamStatus, aws.ToInt32(s.OpenShardCount))
	}
	_, err = update(2)
	emutest.WantErr[*types.ResourceInUseException](t, err)
	clock.Advance(time.Second)

	d, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sh := range d.StreamDescription.Shards {
		got = append(got, fmt.Sprintf("%s parent=%s adjacent=%s closed=%v", aws.ToString(sh.ShardId), aws.ToString(sh.ParentShardId),
			aws.ToString(sh.AdjacentParentShardId), sh.SequenceNumberRange.EndingSequenceNumber != nil))
	}
	want := []string{
		"shardId-000000000000 parent= adjacent= closed=true",
		"shardId-000000000001 parent= adjacent= closed=true",
		"shardId-000000000002 parent=shardId-000000000000 adjacent= closed=false",
		"shardId-000000000003 parent=shardId-000000000000 adjacent= closed=false",
		"shardId-000000000004 parent=shardId-000000000001 adjacent= closed=false",
		"shardId-000000000005 parent=shardId-000000000001 adjacent= closed=false",
	}
	if !cmp.Equal(got, want) {
		t.Errorf("shards after 2 → 4:\n%s", cmp.Diff(want, got))
	}
	// New records go to open shards; the closed ones are read to their end.
	put, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("s"), PartitionKey: aws.String("k"), Data: []byte("after")})
	if err != nil {
		t.Fatal(err)
	}
	if id := aws.ToString(put.ShardId); id < "shardId-000000000002" {
		t.Errorf("record written to closed shard %s", id)
	}
	var closedRecords int
	for _, id := range []string{"shardId-000000000000", "shardId-000000000001"} {
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("s"), ShardId: aws.String(id), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
		if err != nil {
			t.Fatal(err)
		}
		closedRecords += len(recs.Records)
		if recs.NextShardIterator != nil {
			t.Errorf("%s: a closed shard read to its end still has a next iterator", id)
		}
	}
	if closedRecords != 1 {
		t.Errorf("%d records in the closed shards, want the 1 written before", closedRecords)
	}
	// Scaling down merges neighbours: each new shard has two parents.
	if _, err := update(2); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	d, err = c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("s"), ExclusiveStartShardId: aws.String("shardId-000000000005")})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.StreamDescription.Shards); n != 2 || aws.ToString(d.StreamDescription.Shards[0].AdjacentParentShardId) == "" {
		t.Errorf("after 4 → 2: %d new shards, first %+v", n, d.StreamDescription.Shards)
	}
	_, err = update(0)
	emutest.WantCode(t, err, "ValidationException")
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("od"), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	clock.Advance(time.Second)
	_, err = c.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: aws.String("od"), TargetShardCount: aws.Int32(5), ScalingType: types.ScalingTypeUniformScaling})
	emutest.WantCode(t, err, "ValidationException")
}
