package kinesis

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// Kinesis stream administration: retention, tags, capacity mode and the
// account's limits, as the Terraform AWS provider and the AWS CLI use them.

// Retention bounds and the account quotas DescribeLimits reports, from the
// Kinesis API reference and the service quotas page (us-east-1 defaults).
const (
	kinMinRetentionHours   = 24
	kinMaxRetentionHours   = 8760
	kinMaxTagsPerStream    = 50
	kinAccountShardLimit   = 500
	kinOnDemandStreamLimit = 50
)

func (k *kinesisService) describeLimits(rc *core.Request, body []byte) (any, *kinError) {
	var in struct{}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	open, onDemand := 0, 0
	for key := range k.streams {
		st := k.lookup(key)
		if st == nil || key.region != rc.Region {
			continue
		}
		if st.mode == "ON_DEMAND" {
			onDemand++
		} else {
			open += len(openShards(st.shards))
		}
	}
	return struct {
		ShardLimit               int
		OpenShardCount           int
		OnDemandStreamCount      int
		OnDemandStreamCountLimit int
	}{kinAccountShardLimit, open, onDemand, kinOnDemandStreamLimit}, nil
}

type kinRetentionInput struct {
	StreamName           string
	StreamARN            string
	RetentionPeriodHours *int
}

func (k *kinesisService) increaseRetention(rc *core.Request, body []byte) (any, *kinError) {
	return k.changeRetention(rc, body, true)
}

func (k *kinesisService) decreaseRetention(rc *core.Request, body []byte) (any, *kinError) {
	return k.changeRetention(rc, body, false)
}

// changeRetention sets a stream's retention period. An increase may not
// shorten it and a decrease may not lengthen it; asking for the current
// period is accepted (the Terraform provider asks for 24 hours on every
// new stream). The stream is UPDATING for StreamActivationDelay.
func (k *kinesisService) changeRetention(rc *core.Request, body []byte, increase bool) (any, *kinError) {
	var in kinRetentionInput
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	if in.RetentionPeriodHours == nil {
		return nil, kinValidation("Value null at 'retentionPeriodHours' failed to satisfy constraint: Member must not be null")
	}
	hours := *in.RetentionPeriodHours
	switch {
	case hours < kinMinRetentionHours:
		return nil, kinInvalidArgument("Minimum allowed retention period is %d hours. Requested retention period (%d hours) is too short.", kinMinRetentionHours, hours)
	case hours > kinMaxRetentionHours:
		return nil, kinInvalidArgument("Maximum allowed retention period is %d hours. Requested retention period (%d hours) is too long.", kinMaxRetentionHours, hours)
	}
	st, err := k.stream(rc, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	if st.currentStatus() != kinActive {
		return nil, kinNotActive(st)
	}
	cur := st.retentionHours()
	if increase && hours < cur {
		return nil, kinInvalidArgument("Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", hours, st.key.name, cur)
	}
	if !increase && hours > cur {
		return nil, kinInvalidArgument("Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", hours, st.key.name, cur)
	}
	st.retention = hours
	st.transition(kinUpdating, k.s.Now(), k.s.Options().StreamActivationDelay)
	return nil, nil
}

// retentionHours is the stream's retention period (24 hours unless set).
func (st *kinStream) retentionHours() int {
	if st.retention == 0 {
		return kinMinRetentionHours
	}
	return st.retention
}

// kinCheckTags checks tag keys and values against the model's bounds.
func kinCheckTags(tags map[string]string) *kinError {
	for key, v := range tags {
		if n := utf8.RuneCountInString(key); n < 1 || n > 128 {
			return kinInvalidArgument("Tag key %q must be between 1 and 128 characters long.", key)
		}
		if utf8.RuneCountInString(v) > 256 {
			return kinInvalidArgument("Tag value for key %q must be at most 256 characters long.", key)
		}
		if strings.HasPrefix(strings.ToLower(key), "aws:") {
			return kinInvalidArgument("Tag keys starting with 'aws:' are reserved for internal use.")
		}
	}
	return nil
}

// addTags merges tags into a stream's, failing when the result would hold
// more than 50. Call with k.mu held.
func (st *kinStream) addTags(tags map[string]string) *kinError {
	n := len(st.tags)
	for key := range tags {
		if _, ok := st.tags[key]; !ok {
			n++
		}
	}
	if n > kinMaxTagsPerStream {
		return kinInvalidArgument("Failed to add tags to stream %s under account %s because a given stream cannot have more than %d tags.", st.key.name, st.account, kinMaxTagsPerStream)
	}
	if st.tags == nil {
		st.tags = map[string]string{}
	}
	for key, v := range tags {
		st.tags[key] = v
	}
	return nil
}

func (k *kinesisService) addTagsToStream(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		StreamName string
		StreamARN  string
		Tags       map[string]string
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, kinValidation("Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	if err := kinCheckTags(in.Tags); err != nil {
		return nil, err
	}
	st, err := k.stream(rc, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	if s := st.currentStatus(); s != kinActive && s != kinUpdating {
		return nil, kinNotActive(st)
	}
	return nil, st.addTags(in.Tags)
}

func (k *kinesisService) removeTagsFromStream(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		StreamName string
		StreamARN  string
		TagKeys    []string
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	if len(in.TagKeys) == 0 {
		return nil, kinValidation("Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	st, err := k.stream(rc, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	if s := st.currentStatus(); s != kinActive && s != kinUpdating {
		return nil, kinNotActive(st)
	}
	for _, key := range in.TagKeys {
		delete(st.tags, key) // keys that are not there are ignored
	}
	return nil, nil
}

type kinTagJSON struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// sortedTags returns a stream's tags ordered by key. Call with k.mu held.
func (st *kinStream) sortedTags() []kinTagJSON {
	out := make([]kinTagJSON, 0, len(st.tags))
	for key, v := range st.tags {
		out = append(out, kinTagJSON{Key: key, Value: v})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Key < out[b].Key })
	return out
}

// listTagsForStream lists tags by key, Limit (1-50, default 50) at a time,
// starting after ExclusiveStartTagKey.
func (k *kinesisService) listTagsForStream(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		StreamName           string
		StreamARN            string
		ExclusiveStartTagKey string
		Limit                *int
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	limit := kinMaxTagsPerStream
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > kinMaxTagsPerStream {
			return nil, kinValidation("Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 50", *in.Limit)
		}
		limit = *in.Limit
	}
	st, err := k.stream(rc, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	tags := st.sortedTags()
	if in.ExclusiveStartTagKey != "" {
		i := sort.Search(len(tags), func(i int) bool { return tags[i].Key > in.ExclusiveStartTagKey })
		tags = tags[i:]
	}
	more := len(tags) > limit
	if more {
		tags = tags[:limit]
	}
	return struct {
		Tags        []kinTagJSON
		HasMoreTags bool
	}{tags, more}, nil
}

// updateStreamMode switches a stream between provisioned and on-demand
// capacity; it keeps its shards and is UPDATING for StreamActivationDelay.
func (k *kinesisService) updateStreamMode(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		StreamARN         string
		StreamModeDetails *kinModeDetails
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	if in.StreamARN == "" {
		return nil, kinValidation("Value null at 'streamARN' failed to satisfy constraint: Member must not be null")
	}
	if in.StreamModeDetails == nil {
		return nil, kinValidation("Value null at 'streamModeDetails' failed to satisfy constraint: Member must not be null")
	}
	mode := in.StreamModeDetails.StreamMode
	if mode != "PROVISIONED" && mode != "ON_DEMAND" {
		return nil, kinValidation("Value '%s' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]", mode)
	}
	st, err := k.stream(rc, "", in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	if st.currentStatus() != kinActive {
		return nil, kinNotActive(st)
	}
	if st.mode == mode {
		return nil, kinInvalidArgument("Stream %s under account %s is already in %s mode.", st.key.name, st.account, mode)
	}
	st.mode = mode
	st.transition(kinUpdating, k.s.Now(), k.s.Options().StreamActivationDelay)
	return nil, nil
}

// updateShardCount reshards a provisioned stream to TargetShardCount
// shards of equal hash key ranges (UNIFORM_SCALING). The open shards are
// closed (their records stay readable until they expire) and the new
// ones name the shards they continue as parents. The API reference's
// default limits apply: at most double and at least half the open shards,
// within the account's shard limit.
func (k *kinesisService) updateShardCount(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		StreamName       string
		StreamARN        string
		TargetShardCount *int
		ScalingType      string
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.TargetShardCount == nil:
		return nil, kinValidation("Value null at 'targetShardCount' failed to satisfy constraint: Member must not be null")
	case *in.TargetShardCount < 1:
		return nil, kinValidation("Value '%d' at 'targetShardCount' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.TargetShardCount)
	case in.ScalingType == "":
		return nil, kinValidation("Value null at 'scalingType' failed to satisfy constraint: Member must not be null")
	case in.ScalingType != "UNIFORM_SCALING":
		return nil, kinValidation("Value '%s' at 'scalingType' failed to satisfy constraint: Member must satisfy enum value set: [UNIFORM_SCALING]", in.ScalingType)
	}
	target := *in.TargetShardCount
	st, err := k.stream(rc, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	if st.currentStatus() != kinActive {
		return nil, kinNotActive(st)
	}
	if st.mode != "PROVISIONED" {
		return nil, kinErr("ValidationException", "UpdateShardCount is not supported for stream %s under account %s in %s mode.", st.key.name, st.account, st.mode)
	}
	old := openShards(st.shards)
	cur := len(old)
	switch {
	case target > 2*cur:
		return nil, kinInvalidArgument("UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: %d Target shard count: %d", cur, target)
	case 2*target < cur:
		return nil, kinInvalidArgument("UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: %d Target shard count: %d", cur, target)
	}
	open := 0
	for key := range k.streams {
		if s := k.lookup(key); s != nil && key.region == st.key.region && s.mode == "PROVISIONED" {
			open += len(openShards(s.shards))
		}
	}
	if open-cur+target > kinAccountShardLimit {
		return nil, kinErr("LimitExceededException", "This request would exceed the shard limit for the account %s in %s. Current limit of shards is %d.", st.account, st.key.region, kinAccountShardLimit)
	}
	out := struct {
		StreamName        string
		CurrentShardCount int
		TargetShardCount  int
		StreamARN         string
	}{st.key.name, cur, target, st.arn}
	if target == cur {
		return out, nil
	}
	fresh := kinShardsFrom(st.serial, target, len(st.shards))
	for _, sh := range fresh {
		for _, o := range old {
			if o.end.Cmp(sh.start) < 0 || o.start.Cmp(sh.end) > 0 {
				continue // no overlap
			}
			if sh.parent == "" {
				sh.parent = o.id
			} else if sh.adjacent == "" {
				sh.adjacent = o.id
			}
		}
	}
	for _, o := range old {
		o.closed = true
		o.endSeq = kinSequence(st.serial, o.index, o.next)
	}
	st.shards = append(st.shards, fresh...)
	st.transition(kinUpdating, k.s.Now(), k.s.Options().StreamActivationDelay)
	return out, nil
}
