package kinesis_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cloudassure/cloudassure/internal/emulator"
	"github.com/cloudassure/cloudassure/internal/emulator/emutest"
)

// kinCmpSDK lets go-cmp compare SDK structs, which carry unexported fields.
var kinCmpSDK = cmp.Exporter(func(reflect.Type) bool { return true })

func kinTestClient(t testing.TB, opts emulator.Options) (*emulator.Server, *kinesis.Client) {
	t.Helper()
	s, cfg := emutest.StartNoRetry(t, opts)
	return s, kinesis.NewFromConfig(cfg)
}

func kinCreate(t testing.TB, c *kinesis.Client, in *kinesis.CreateStreamInput) {
	t.Helper()
	if _, err := c.CreateStream(context.Background(), in); err != nil {
		t.Fatalf("CreateStream %s: %v", aws.ToString(in.StreamName), err)
	}
}

func kinSummary(t testing.TB, c *kinesis.Client, name string) *types.StreamDescriptionSummary {
	t.Helper()
	out, err := c.DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeStreamSummary %s: %v", name, err)
	}
	return out.StreamDescriptionSummary
}

func kinStatus(t testing.TB, c *kinesis.Client, name string) types.StreamStatus {
	t.Helper()
	return kinSummary(t, c, name).StreamStatus
}

func TestKinesisDescribeStreamSummary(t *testing.T) {
	clock := emutest.NewClock()
	_, c := kinTestClient(t, emulator.Options{Now: clock.Now})
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("logs")})

	want := &types.StreamDescriptionSummary{
		StreamName:              aws.String("logs"),
		StreamARN:               aws.String("arn:aws:kinesis:us-east-1:111122223333:stream/logs"),
		StreamStatus:            types.StreamStatusActive,
		StreamModeDetails:       &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand},
		RetentionPeriodHours:    aws.Int32(24),
		StreamCreationTimestamp: aws.Time(clock.Now()),
		EnhancedMonitoring:      []types.EnhancedMetrics{{ShardLevelMetrics: []types.MetricsName{}}},
		EncryptionType:          types.EncryptionTypeNone,
		OpenShardCount:          aws.Int32(4),
		ConsumerCount:           aws.Int32(0),
	}
	if diff := cmp.Diff(want, kinSummary(t, c, "logs"), kinCmpSDK); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestKinesisCreateStream(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		in         *kinesis.CreateStreamInput
		wantMode   types.StreamMode
		wantShards int32
		wantCode   string
	}{
		{name: "default on-demand", in: &kinesis.CreateStreamInput{}, wantMode: types.StreamModeOnDemand, wantShards: 4},
		{name: "shard count means provisioned", in: &kinesis.CreateStreamInput{ShardCount: aws.Int32(3)}, wantMode: types.StreamModeProvisioned, wantShards: 3},
		{name: "explicit on-demand", in: &kinesis.CreateStreamInput{StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}, wantMode: types.StreamModeOnDemand, wantShards: 4},
		{name: "explicit provisioned", in: &kinesis.CreateStreamInput{ShardCount: aws.Int32(1), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned}}, wantMode: types.StreamModeProvisioned, wantShards: 1},
		{name: "provisioned without shards", in: &kinesis.CreateStreamInput{StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned}}, wantCode: "InvalidArgumentException"},
		{name: "on-demand with shards", in: &kinesis.CreateStreamInput{ShardCount: aws.Int32(2), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}, wantCode: "InvalidArgumentException"},
		{name: "zero shards", in: &kinesis.CreateStreamInput{ShardCount: aws.Int32(0)}, wantCode: "ValidationException"},
		{name: "bad mode", in: &kinesis.CreateStreamInput{StreamModeDetails: &types.StreamModeDetails{StreamMode: "SOMETIMES"}}, wantCode: "ValidationException"},
	}
	_, c := kinTestClient(t, emulator.Options{})
	for n, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("stream-%d", n)
			tt.in.StreamName = aws.String(name)
			_, err := c.CreateStream(ctx, tt.in)
			if tt.wantCode != "" {
				emutest.WantCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sum := kinSummary(t, c, name)
			if sum.StreamModeDetails.StreamMode != tt.wantMode || aws.ToInt32(sum.OpenShardCount) != tt.wantShards {
				t.Errorf("mode %s with %d shards, want %s with %d", sum.StreamModeDetails.StreamMode, aws.ToInt32(sum.OpenShardCount), tt.wantMode, tt.wantShards)
			}
		})
	}

	t.Run("names", func(t *testing.T) {
		for _, name := range []string{"has space", "slash/name", strings.Repeat("x", 129)} {
			_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name)})
			emutest.WantCode(t, err, "ValidationException")
		}
		kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("ok_name-1.2")})
	})
	t.Run("duplicate", func(t *testing.T) {
		_, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("stream-0")})
		emutest.WantErr[*types.ResourceInUseException](t, err)
	})
}

func TestKinesisShardsSplitTheHashKeySpace(t *testing.T) {
	_, c := kinTestClient(t, emulator.Options{})
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("s")})
	out, err := c.DescribeStream(context.Background(), &kinesis.DescribeStreamInput{StreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	d := out.StreamDescription
	if aws.ToBool(d.HasMoreShards) {
		t.Error("HasMoreShards = true for 4 shards")
	}
	// AWS's ranges for a four-shard stream.
	want := [][2]string{
		{"0", "85070591730234615865843651857942052863"},
		{"85070591730234615865843651857942052864", "170141183460469231731687303715884105727"},
		{"170141183460469231731687303715884105728", "255211775190703847597530955573826158591"},
		{"255211775190703847597530955573826158592", "340282366920938463463374607431768211455"},
	}
	if len(d.Shards) != len(want) {
		t.Fatalf("%d shards, want %d", len(d.Shards), len(want))
	}
	for n, sh := range d.Shards {
		if id := fmt.Sprintf("shardId-%012d", n); aws.ToString(sh.ShardId) != id {
			t.Errorf("shard %d ID = %s, want %s", n, aws.ToString(sh.ShardId), id)
		}
		got := [2]string{aws.ToString(sh.HashKeyRange.StartingHashKey), aws.ToString(sh.HashKeyRange.EndingHashKey)}
		if got != want[n] {
			t.Errorf("shard %d range = %v, want %v", n, got, want[n])
		}
		if aws.ToString(sh.SequenceNumberRange.StartingSequenceNumber) == "" {
			t.Errorf("shard %d has no StartingSequenceNumber", n)
		}
	}
}

func TestKinesisActivationDelay(t *testing.T) {
	ctx := context.Background()
	clock := emutest.NewClock()
	const delay = 10 * time.Second
	_, c := kinTestClient(t, emulator.Options{Now: clock.Now, StreamActivationDelay: delay})
	name := aws.String("slow")
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(1)})

	if got := kinStatus(t, c, "slow"); got != types.StreamStatusCreating {
		t.Fatalf("status after create = %s, want CREATING", got)
	}
	_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("x")})
	emutest.WantErr[*types.ResourceNotFoundException](t, err)
	_, err = c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: name, Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("k"), Data: []byte("x")}}})
	emutest.WantErr[*types.ResourceNotFoundException](t, err)
	_, err = c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: name})
	emutest.WantErr[*types.ResourceInUseException](t, err)
	_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: name})
	emutest.WantErr[*types.ResourceInUseException](t, err)
	_, err = c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: name, EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")})
	emutest.WantErr[*types.ResourceInUseException](t, err)

	clock.Advance(delay - time.Millisecond)
	if got := kinStatus(t, c, "slow"); got != types.StreamStatusCreating {
		t.Fatalf("status just before the delay = %s, want CREATING", got)
	}
	clock.Advance(time.Millisecond)
	if got := kinStatus(t, c, "slow"); got != types.StreamStatusActive {
		t.Fatalf("status after the delay = %s, want ACTIVE", got)
	}
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}

	// Encryption: UPDATING for the delay; records still go in.
	if _, err := c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: name, EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	if got := kinStatus(t, c, "slow"); got != types.StreamStatusUpdating {
		t.Fatalf("status after StartStreamEncryption = %s, want UPDATING", got)
	}
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("y")}); err != nil {
		t.Fatalf("PutRecord while UPDATING: %v", err)
	}
	_, err = c.StopStreamEncryption(ctx, &kinesis.StopStreamEncryptionInput{StreamName: name, EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")})
	emutest.WantErr[*types.ResourceInUseException](t, err)
	clock.Advance(delay)
	if got := kinStatus(t, c, "slow"); got != types.StreamStatusActive {
		t.Fatalf("status after the update = %s, want ACTIVE", got)
	}

	// Deletion: DELETING for the delay, then gone.
	if _, err := c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: name}); err != nil {
		t.Fatal(err)
	}
	if got := kinStatus(t, c, "slow"); got != types.StreamStatusDeleting {
		t.Fatalf("status after DeleteStream = %s, want DELETING", got)
	}
	_, err = c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: name})
	emutest.WantErr[*types.ResourceInUseException](t, err)
	clock.Advance(delay)
	_, err = c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: name})
	emutest.WantErr[*types.ResourceNotFoundException](t, err)
	list, err := c.ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.StreamNames) != 0 {
		t.Errorf("ListStreams after deletion = %v, want none", list.StreamNames)
	}
}

func TestKinesisDeleteStreamAtOnce(t *testing.T) {
	ctx := context.Background()
	_, c := kinTestClient(t, emulator.Options{})
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("gone")})
	if _, err := c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:111122223333:stream/gone")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("gone")})
	emutest.WantErr[*types.ResourceNotFoundException](t, err)
	_, err = c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String("gone")})
	emutest.WantErr[*types.ResourceNotFoundException](t, err)
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("gone")}) // the name is free again
}

func TestKinesisSetStreamStatus(t *testing.T) {
	ctx := context.Background()
	s, c := kinTestClient(t, emulator.Options{})
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("pinned"), ShardCount: aws.Int32(1)})

	if err := s.SetStreamStatus("us-east-1", "pinned", "CREATING"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got := kinStatus(t, c, "pinned"); got != types.StreamStatusCreating {
			t.Fatalf("pinned status = %s, want CREATING", got)
		}
	}
	_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("pinned"), PartitionKey: aws.String("k"), Data: []byte("x")})
	emutest.WantErr[*types.ResourceNotFoundException](t, err)

	if err := s.SetStreamStatus("us-east-1", "pinned", "UPDATING"); err != nil {
		t.Fatal(err)
	}
	if got := kinStatus(t, c, "pinned"); got != types.StreamStatusUpdating {
		t.Fatalf("pinned status = %s, want UPDATING", got)
	}
	if err := s.SetStreamStatus("us-east-1", "pinned", ""); err != nil {
		t.Fatal(err)
	}
	if got := kinStatus(t, c, "pinned"); got != types.StreamStatusActive {
		t.Fatalf("unpinned status = %s, want ACTIVE", got)
	}

	for _, tt := range []struct{ region, name, status string }{
		{"us-east-1", "pinned", "BROKEN"},
		{"us-east-1", "missing", "ACTIVE"},
		{"eu-west-1", "pinned", "ACTIVE"},
	} {
		if err := s.SetStreamStatus(tt.region, tt.name, tt.status); err == nil {
			t.Errorf("SetStreamStatus(%q, %q, %q) = nil, want an error", tt.region, tt.name, tt.status)
		}
	}
}

func TestKinesisEncryption(t *testing.T) {
	ctx := context.Background()
	_, c := kinTestClient(t, emulator.Options{})
	name := aws.String("enc")
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(1)})
	const key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	if _, err := c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: name, EncryptionType: types.EncryptionTypeKms, KeyId: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	sum := kinSummary(t, c, "enc")
	if sum.EncryptionType != types.EncryptionTypeKms || aws.ToString(sum.KeyId) != key || sum.StreamStatus != types.StreamStatusActive {
		t.Fatalf("after StartStreamEncryption: %s %s %s", sum.EncryptionType, aws.ToString(sum.KeyId), sum.StreamStatus)
	}
	put, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("secret")})
	if err != nil {
		t.Fatal(err)
	}
	if put.EncryptionType != types.EncryptionTypeKms {
		t.Errorf("PutRecord EncryptionType = %s, want KMS", put.EncryptionType)
	}
	recs := emutest.ReadShard(t, c, "enc", aws.ToString(put.ShardId))
	if len(recs) != 1 || recs[0].EncryptionType != types.EncryptionTypeKms {
		t.Errorf("records = %+v, want one KMS record", recs)
	}

	if _, err := c.StopStreamEncryption(ctx, &kinesis.StopStreamEncryptionInput{StreamName: name, EncryptionType: types.EncryptionTypeKms, KeyId: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	sum = kinSummary(t, c, "enc")
	if sum.EncryptionType != types.EncryptionTypeNone || sum.KeyId != nil {
		t.Fatalf("after StopStreamEncryption: %s %v", sum.EncryptionType, sum.KeyId)
	}

	for _, tt := range []struct {
		name string
		in   *kinesis.StartStreamEncryptionInput
		code string
	}{
		{"NONE", &kinesis.StartStreamEncryptionInput{StreamName: name, EncryptionType: types.EncryptionTypeNone, KeyId: aws.String(key)}, "InvalidArgumentException"},
		{"unknown type", &kinesis.StartStreamEncryptionInput{StreamName: name, EncryptionType: "ROT13", KeyId: aws.String(key)}, "ValidationException"},
		{"missing stream", &kinesis.StartStreamEncryptionInput{StreamName: aws.String("nope"), EncryptionType: types.EncryptionTypeKms, KeyId: aws.String(key)}, "ResourceNotFoundException"},
	} {
		_, err := c.StartStreamEncryption(ctx, tt.in)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		emutest.WantCode(t, err, tt.code)
	}
}

// kinReadAll reads a shard from its start.
// kinShardFor routes a partition key with the shard ranges the API reports.
func kinShardFor(t testing.TB, shards []types.Shard, key string) string {
	t.Helper()
	sum := md5.Sum([]byte(key))
	h := new(big.Int).SetBytes(sum[:])
	for _, sh := range shards {
		lo, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.StartingHashKey), 10)
		hi, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.EndingHashKey), 10)
		if h.Cmp(lo) >= 0 && h.Cmp(hi) <= 0 {
			return aws.ToString(sh.ShardId)
		}
	}
	t.Fatalf("no shard holds %s", h)
	return ""
}

func TestKinesisRecordsRoundTrip(t *testing.T) {
	ctx := context.Background()
	clock := emutest.NewClock()
	_, c := kinTestClient(t, emulator.Options{Now: clock.Now})
	name := aws.String("data")
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(3)})
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: name})
	if err != nil {
		t.Fatal(err)
	}
	if len(shards.Shards) != 3 {
		t.Fatalf("ListShards: %d shards, want 3", len(shards.Shards))
	}

	// PutRecord routes by the MD5 of the partition key.
	type put struct{ key, shard, seq string }
	var puts []put
	for n := range 12 {
		key := fmt.Sprintf("key-%d", n)
		out, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String(key), Data: []byte("record " + key)})
		if err != nil {
			t.Fatal(err)
		}
		if want := kinShardFor(t, shards.Shards, key); aws.ToString(out.ShardId) != want {
			t.Errorf("%s went to %s, want %s", key, aws.ToString(out.ShardId), want)
		}
		puts = append(puts, put{key, aws.ToString(out.ShardId), aws.ToString(out.SequenceNumber)})
		clock.Advance(time.Second)
	}
	// An explicit hash key wins over the partition key.
	out, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("key-0"), ExplicitHashKey: aws.String("340282366920938463463374607431768211455"), Data: []byte("last")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.ShardId) != "shardId-000000000002" {
		t.Errorf("ExplicitHashKey 2^128-1 went to %s, want the last shard", aws.ToString(out.ShardId))
	}
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), ExplicitHashKey: aws.String("340282366920938463463374607431768211456"), Data: []byte("x")})
	emutest.WantErr[*types.InvalidArgumentException](t, err)

	// PutRecords answers per record, in order.
	entries := []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("a"), Data: []byte("A")},
		{PartitionKey: aws.String("b"), Data: []byte("B")},
		{PartitionKey: aws.String("c"), Data: []byte{0, 1, 2, 255}},
	}
	batch, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:111122223333:stream/data"), Records: entries})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(batch.FailedRecordCount) != 0 || len(batch.Records) != len(entries) {
		t.Fatalf("PutRecords: %d failed, %d results", aws.ToInt32(batch.FailedRecordCount), len(batch.Records))
	}
	for n, r := range batch.Records {
		key := aws.ToString(entries[n].PartitionKey)
		if want := kinShardFor(t, shards.Shards, key); aws.ToString(r.ShardId) != want || aws.ToString(r.SequenceNumber) == "" {
			t.Errorf("PutRecords %s: shard %s seq %q, want shard %s", key, aws.ToString(r.ShardId), aws.ToString(r.SequenceNumber), want)
		}
		puts = append(puts, put{key, aws.ToString(r.ShardId), aws.ToString(r.SequenceNumber)})
	}

	// Every record comes back from its shard, in order, with its data.
	for _, sh := range shards.Shards {
		id := aws.ToString(sh.ShardId)
		var wantKeys, wantSeqs []string
		for _, p := range puts {
			if p.shard == id {
				wantKeys, wantSeqs = append(wantKeys, p.key), append(wantSeqs, p.seq)
			}
		}
		var gotKeys, gotSeqs []string
		for _, r := range emutest.ReadShard(t, c, "data", id) {
			if aws.ToString(r.PartitionKey) == "key-0" && string(r.Data) == "last" {
				continue // the explicit-hash-key record
			}
			gotKeys, gotSeqs = append(gotKeys, aws.ToString(r.PartitionKey)), append(gotSeqs, aws.ToString(r.SequenceNumber))
			want := "record " + aws.ToString(r.PartitionKey)
			if k := aws.ToString(r.PartitionKey); len(k) == 1 {
				want = map[string]string{"a": "A", "b": "B", "c": "\x00\x01\x02\xff"}[k]
			}
			if string(r.Data) != want {
				t.Errorf("record %s data = %q, want %q", aws.ToString(r.PartitionKey), r.Data, want)
			}
			if r.ApproximateArrivalTimestamp == nil {
				t.Errorf("record %s has no ApproximateArrivalTimestamp", aws.ToString(r.PartitionKey))
			}
		}
		if diff := cmp.Diff(wantKeys, gotKeys); diff != "" {
			t.Errorf("shard %s keys (-want +got):\n%s", id, diff)
		}
		if diff := cmp.Diff(wantSeqs, gotSeqs); diff != "" {
			t.Errorf("shard %s sequence numbers (-want +got):\n%s", id, diff)
		}
	}
}

func TestKinesisShardIterators(t *testing.T) {
	ctx := context.Background()
	clock := emutest.NewClock()
	_, c := kinTestClient(t, emulator.Options{Now: clock.Now})
	name := aws.String("iter")
	shard := aws.String("shardId-000000000000")
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(1)})
	var seqs []string
	for n := range 5 {
		out, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte{byte('0' + n)}})
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, aws.ToString(out.SequenceNumber))
		clock.Advance(time.Second)
	}
	data := func(recs []types.Record) string {
		var b strings.Builder
		for _, r := range recs {
			b.Write(r.Data)
		}
		return b.String()
	}
	iterator := func(typ types.ShardIteratorType, seq string) *string {
		t.Helper()
		in := &kinesis.GetShardIteratorInput{StreamName: name, ShardId: shard, ShardIteratorType: typ}
		if seq != "" {
			in.StartingSequenceNumber = aws.String(seq)
		}
		out, err := c.GetShardIterator(ctx, in)
		if err != nil {
			t.Fatalf("GetShardIterator %s: %v", typ, err)
		}
		return out.ShardIterator
	}

	tests := []struct {
		typ  types.ShardIteratorType
		seq  string
		want string
	}{
		{types.ShardIteratorTypeTrimHorizon, "", "01234"},
		{types.ShardIteratorTypeLatest, "", ""},
		{types.ShardIteratorTypeAtSequenceNumber, seqs[2], "234"},
		{types.ShardIteratorTypeAfterSequenceNumber, seqs[2], "34"},
		{types.ShardIteratorTypeAfterSequenceNumber, seqs[4], ""},
	}
	for _, tt := range tests {
		out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iterator(tt.typ, tt.seq)})
		if err != nil {
			t.Fatal(err)
		}
		if got := data(out.Records); got != tt.want {
			t.Errorf("%s %s: data %q, want %q", tt.typ, tt.seq, got, tt.want)
		}
		if out.NextShardIterator == nil || aws.ToInt64(out.MillisBehindLatest) != 0 {
			t.Errorf("%s: NextShardIterator %v, MillisBehindLatest %d", tt.typ, out.NextShardIterator, aws.ToInt64(out.MillisBehindLatest))
		}
	}
	out, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: name, ShardId: shard,
		ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(clock.Now().Add(-3 * time.Second))})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: out.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if got := data(recs.Records); got != "234" {
		t.Errorf("AT_TIMESTAMP: data %q, want %q", got, "234")
	}

	// Limit pages through the shard; MillisBehindLatest says how far behind.
	it := iterator(types.ShardIteratorTypeTrimHorizon, "")
	var got string
	for page := 0; ; page++ {
		out, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it, Limit: aws.Int32(2)})
		if err != nil {
			t.Fatal(err)
		}
		got += data(out.Records)
		behind := aws.ToInt64(out.MillisBehindLatest)
		if len(got) < 5 && behind == 0 || len(got) == 5 && behind != 0 {
			t.Errorf("page %d: MillisBehindLatest %d after reading %q", page, behind, got)
		}
		it = out.NextShardIterator
		if len(out.Records) == 0 {
			break
		}
	}
	if got != "01234" {
		t.Errorf("paged data %q, want 01234", got)
	}
	// The iterator left at the tip picks up new records.
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte("5")}); err != nil {
		t.Fatal(err)
	}
	more, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it})
	if err != nil {
		t.Fatal(err)
	}
	if got := data(more.Records); got != "5" {
		t.Errorf("after a new record: %q, want 5", got)
	}

	// Errors.
	for _, tt := range []struct {
		name string
		in   *kinesis.GetShardIteratorInput
		code string
	}{
		{"sequence number with TRIM_HORIZON", &kinesis.GetShardIteratorInput{StreamName: name, ShardId: shard, ShardIteratorType: types.ShardIteratorTypeTrimHorizon, StartingSequenceNumber: aws.String(seqs[0])}, "InvalidArgumentException"},
		{"AT_SEQUENCE_NUMBER without one", &kinesis.GetShardIteratorInput{StreamName: name, ShardId: shard, ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber}, "InvalidArgumentException"},
		{"garbage sequence number", &kinesis.GetShardIteratorInput{StreamName: name, ShardId: shard, ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: aws.String("12345")}, "InvalidArgumentException"},
		{"missing shard", &kinesis.GetShardIteratorInput{StreamName: name, ShardId: aws.String("shardId-000000000009"), ShardIteratorType: types.ShardIteratorTypeLatest}, "ResourceNotFoundException"},
		{"missing stream", &kinesis.GetShardIteratorInput{StreamName: aws.String("nope"), ShardId: shard, ShardIteratorType: types.ShardIteratorTypeLatest}, "ResourceNotFoundException"},
	} {
		_, err := c.GetShardIterator(ctx, tt.in)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		emutest.WantCode(t, err, tt.code)
	}
	_, err = c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String("bm90IGFuIGl0ZXJhdG9y")})
	emutest.WantErr[*types.InvalidArgumentException](t, err)

	// Iterators expire after five minutes.
	stale := iterator(types.ShardIteratorTypeTrimHorizon, "")
	clock.Advance(5*time.Minute + time.Second)
	_, err = c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: stale})
	emutest.WantErr[*types.ExpiredIteratorException](t, err)

	// A deleted stream's iterators find nothing, even once the name is reused.
	fresh := iterator(types.ShardIteratorTypeTrimHorizon, "")
	if _, err := c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: name}); err != nil {
		t.Fatal(err)
	}
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(1)})
	_, err = c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: fresh})
	emutest.WantErr[*types.ResourceNotFoundException](t, err)
}

func TestKinesisRetention(t *testing.T) {
	ctx := context.Background()
	clock := emutest.NewClock()
	_, c := kinTestClient(t, emulator.Options{Now: clock.Now})
	name := aws.String("old")
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: name, ShardCount: aws.Int32(1)})
	for _, d := range []string{"a", "b"} {
		if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: name, PartitionKey: aws.String("k"), Data: []byte(d)}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(12 * time.Hour)
	}
	clock.Advance(time.Minute) // "a" is now older than 24 hours
	recs := emutest.ReadShard(t, c, "old", "shardId-000000000000")
	if len(recs) != 1 || string(recs[0].Data) != "b" {
		t.Errorf("records after 24h = %d, want only b", len(recs))
	}
}

func TestKinesisRegions(t *testing.T) {
	ctx := context.Background()
	_, cfg := emutest.StartNoRetry(t, emulator.Options{})
	east := kinesis.NewFromConfig(cfg)
	west := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) { o.Region = "eu-west-1" })

	kinCreate(t, east, &kinesis.CreateStreamInput{StreamName: aws.String("shared"), ShardCount: aws.Int32(1)})
	kinCreate(t, west, &kinesis.CreateStreamInput{StreamName: aws.String("shared"), ShardCount: aws.Int32(2)})
	kinCreate(t, west, &kinesis.CreateStreamInput{StreamName: aws.String("west-only")})

	if got := aws.ToString(kinSummary(t, west, "shared").StreamARN); got != "arn:aws:kinesis:eu-west-1:111122223333:stream/shared" {
		t.Errorf("eu-west-1 ARN = %s", got)
	}
	if got := aws.ToInt32(kinSummary(t, east, "shared").OpenShardCount); got != 1 {
		t.Errorf("us-east-1 stream has %d shards, want 1", got)
	}
	for _, tt := range []struct {
		c    *kinesis.Client
		want []string
	}{{east, []string{"shared"}}, {west, []string{"shared", "west-only"}}} {
		out, err := tt.c.ListStreams(ctx, &kinesis.ListStreamsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, out.StreamNames); diff != "" {
			t.Errorf("ListStreams in %s (-want +got):\n%s", tt.c.Options().Region, diff)
		}
	}
	// An ARN's region wins over the client's.
	out, err := east.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamARN: aws.String("arn:aws:kinesis:eu-west-1:111122223333:stream/west-only")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.StreamDescriptionSummary.OpenShardCount) != 4 {
		t.Errorf("west-only by ARN: %d shards", aws.ToInt32(out.StreamDescriptionSummary.OpenShardCount))
	}
	_, err = east.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("west-only")})
	emutest.WantErr[*types.ResourceNotFoundException](t, err)
}

func TestKinesisStreamNameAndARN(t *testing.T) {
	_, c := kinTestClient(t, emulator.Options{})
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("named")})
	const arn = "arn:aws:kinesis:us-east-1:111122223333:stream/named"
	tests := []struct {
		name      string
		in        *kinesis.DescribeStreamSummaryInput
		wantCode  string
		wantErrAs func(error) bool
	}{
		{name: "name", in: &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("named")}},
		{name: "ARN", in: &kinesis.DescribeStreamSummaryInput{StreamARN: aws.String(arn)}},
		{name: "both agree", in: &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("named"), StreamARN: aws.String(arn)}},
		{name: "both disagree", in: &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("other"), StreamARN: aws.String(arn)}, wantCode: "InvalidArgumentException"},
		{name: "neither", in: &kinesis.DescribeStreamSummaryInput{}, wantCode: "InvalidArgumentException"},
		{name: "other account", in: &kinesis.DescribeStreamSummaryInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:444455556666:stream/named")}, wantCode: "ResourceNotFoundException"},
		{name: "missing", in: &kinesis.DescribeStreamSummaryInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:111122223333:stream/nope")}, wantCode: "ResourceNotFoundException"},
		{name: "bad name", in: &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("no way")}, wantCode: "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.DescribeStreamSummary(context.Background(), tt.in)
			if tt.wantCode != "" {
				emutest.WantCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := aws.ToString(out.StreamDescriptionSummary.StreamARN); got != arn {
				t.Errorf("ARN = %s", got)
			}
		})
	}
}

func TestKinesisPagination(t *testing.T) {
	ctx := context.Background()
	_, c := kinTestClient(t, emulator.Options{})
	var want []string
	for n := range 7 {
		name := fmt.Sprintf("p%d", n)
		want = append(want, name)
		kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)})
	}
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("wide"), ShardCount: aws.Int32(5)})
	want = append(want, "wide")

	t.Run("ListStreams NextToken", func(t *testing.T) {
		var got []string
		pages := 0
		p := kinesis.NewListStreamsPaginator(c, &kinesis.ListStreamsInput{Limit: aws.Int32(3)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(out.StreamNames) != len(out.StreamSummaries) {
				t.Fatalf("%d names, %d summaries", len(out.StreamNames), len(out.StreamSummaries))
			}
			if aws.ToBool(out.HasMoreStreams) != (out.NextToken != nil) {
				t.Errorf("HasMoreStreams %v with NextToken %v", aws.ToBool(out.HasMoreStreams), out.NextToken)
			}
			got = append(got, out.StreamNames...)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("names (-want +got):\n%s", diff)
		}
		if pages != 3 {
			t.Errorf("%d pages, want 3", pages)
		}
	})
	t.Run("ListStreams ExclusiveStartStreamName", func(t *testing.T) {
		out, err := c.ListStreams(ctx, &kinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String("p4"), Limit: aws.Int32(2)})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"p5", "p6"}, out.StreamNames); diff != "" || !aws.ToBool(out.HasMoreStreams) {
			t.Errorf("names (-want +got):\n%s HasMoreStreams %v", diff, aws.ToBool(out.HasMoreStreams))
		}
		_, err = c.ListStreams(ctx, &kinesis.ListStreamsInput{ExclusiveStartStreamName: aws.String("p4"), NextToken: out.NextToken})
		emutest.WantErr[*types.InvalidArgumentException](t, err)
		_, err = c.ListStreams(ctx, &kinesis.ListStreamsInput{NextToken: aws.String("garbage")})
		emutest.WantErr[*types.InvalidArgumentException](t, err)
	})
	t.Run("ListShards", func(t *testing.T) {
		var got []string
		in := &kinesis.ListShardsInput{StreamName: aws.String("wide"), MaxResults: aws.Int32(2)}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("ListShards does not stop")
			}
			out, err := c.ListShards(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, sh := range out.Shards {
				got = append(got, aws.ToString(sh.ShardId))
			}
			if out.NextToken == nil {
				break
			}
			in = &kinesis.ListShardsInput{NextToken: out.NextToken, MaxResults: aws.Int32(2)}
		}
		if len(got) != 5 || got[4] != "shardId-000000000004" {
			t.Errorf("shards %v", got)
		}
		out, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("wide"), ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAfterShardId, ShardId: aws.String("shardId-000000000002")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Shards) != 2 {
			t.Errorf("AFTER_SHARD_ID: %d shards, want 2", len(out.Shards))
		}
		_, err = c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("wide"), NextToken: aws.String("x")})
		emutest.WantErr[*types.InvalidArgumentException](t, err)
	})
	t.Run("DescribeStream Limit", func(t *testing.T) {
		out, err := c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("wide"), Limit: aws.Int32(3)})
		if err != nil {
			t.Fatal(err)
		}
		d := out.StreamDescription
		if len(d.Shards) != 3 || !aws.ToBool(d.HasMoreShards) {
			t.Fatalf("%d shards, HasMoreShards %v", len(d.Shards), aws.ToBool(d.HasMoreShards))
		}
		out, err = c.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("wide"), ExclusiveStartShardId: d.Shards[2].ShardId})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.StreamDescription.Shards) != 2 || aws.ToBool(out.StreamDescription.HasMoreShards) {
			t.Errorf("rest: %d shards, HasMoreShards %v", len(out.StreamDescription.Shards), aws.ToBool(out.StreamDescription.HasMoreShards))
		}
		var all int
		p := kinesis.NewDescribeStreamPaginator(c, &kinesis.DescribeStreamInput{StreamName: aws.String("wide"), Limit: aws.Int32(2)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			all += len(out.StreamDescription.Shards)
		}
		if all != 5 {
			t.Errorf("DescribeStream paginator: %d shards, want 5", all)
		}
	})
}

// kinRawRequest posts a body to a Kinesis operation without the SDK.
func kinRawRequest(t testing.TB, url, op, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "Kinesis_20131202."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestKinesisProtocolErrors(t *testing.T) {
	s, _ := emutest.StartNoRetry(t, emulator.Options{})
	tests := []struct {
		name, op, body string
		wantStatus     int
		wantType       string
	}{
		{"unknown operation", "Frobnicate", `{}`, 400, "UnknownOperationException"},
		{"bad JSON", "DescribeStreamSummary", `{"StreamName":`, 400, "SerializationException"},
		{"not an object", "DescribeStreamSummary", `[1,2]`, 400, "SerializationException"},
		{"wrong member type", "CreateStream", `{"StreamName":"s","ShardCount":"two"}`, 400, "SerializationException"},
		{"bad base64 data", "PutRecord", `{"StreamName":"s","PartitionKey":"k","Data":"!!"}`, 400, "SerializationException"},
		{"missing stream name", "CreateStream", `{}`, 400, "ValidationException"},
		{"missing data", "PutRecord", `{"StreamName":"s","PartitionKey":"k"}`, 400, "ValidationException"},
		{"empty records", "PutRecords", `{"StreamName":"s","Records":[]}`, 400, "ValidationException"},
		{"ok", "ListStreams", `{}`, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := kinRawRequest(t, s.URL(), tt.op, tt.body)
			wantBody := `"__type":"` + tt.wantType + `"`
			if tt.wantType == "" {
				wantBody = `"StreamNames":[]`
			}
			if status != tt.wantStatus || !strings.Contains(body, wantBody) {
				t.Errorf("status %d body %s, want %d %s", status, body, tt.wantStatus, tt.wantType)
			}
		})
	}
	// Operations without output answer 200 with an empty body, as AWS does.
	if status, body := kinRawRequest(t, s.URL(), "CreateStream", `{"StreamName":"raw","ShardCount":1}`); status != 200 || body != "" {
		t.Errorf("CreateStream: %d %q", status, body)
	}
	// Timestamps are epoch seconds.
	_, body := kinRawRequest(t, s.URL(), "DescribeStreamSummary", `{"StreamName":"raw"}`)
	if !strings.Contains(body, `"StreamCreationTimestamp":1`) {
		t.Errorf("StreamCreationTimestamp is not epoch seconds: %s", body)
	}
}

func TestKinesisLargeRecords(t *testing.T) {
	ctx := context.Background()
	_, c := kinTestClient(t, emulator.Options{})
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("big"), ShardCount: aws.Int32(1)})
	_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("big"), PartitionKey: aws.String("k"), Data: bytes.Repeat([]byte("x"), 1<<20+1)})
	emutest.WantCode(t, err, "ValidationException")
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("big"), PartitionKey: aws.String("k"), Data: bytes.Repeat([]byte("x"), 1<<20)}); err != nil {
		t.Fatalf("a 1 MiB record: %v", err)
	}
	_, err = c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("big"), PartitionKey: aws.String(strings.Repeat("k", 257)), Data: []byte("x")})
	emutest.WantCode(t, err, "ValidationException")
}

func TestKinesisThrottling(t *testing.T) {
	s, cfg := emutest.Start(t, emulator.Options{Faults: emulator.Faults{ThrottleRate: 1}})
	c := kinesis.NewFromConfig(cfg, func(o *kinesis.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 3
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			so.RateLimiter = ratelimit.None
		})
	})
	_, err := c.ListStreams(context.Background(), &kinesis.ListStreamsInput{})
	emutest.WantErr[*types.LimitExceededException](t, err)
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) != aws.TrueTernary {
		t.Errorf("the SDK does not see %v as throttling", err)
	}
	if got := s.Requests(); got != 3 {
		t.Errorf("%d requests, want 3 (the SDK retries throttling)", got)
	}
}

func TestKinesisConcurrentPuts(t *testing.T) {
	ctx := context.Background()
	_, c := kinTestClient(t, emulator.Options{})
	kinCreate(t, c, &kinesis.CreateStreamInput{StreamName: aws.String("busy"), ShardCount: aws.Int32(2)})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for n := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("busy"), PartitionKey: aws.String(fmt.Sprint(n)), Data: []byte("x")})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	total := len(emutest.ReadShard(t, c, "busy", "shardId-000000000000")) + len(emutest.ReadShard(t, c, "busy", "shardId-000000000001"))
	if total != 40 {
		t.Errorf("%d records stored, want 40", total)
	}
}
