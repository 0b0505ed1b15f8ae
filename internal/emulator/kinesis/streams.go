package kinesis

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"sort"
	"time"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// kinOnDemandShards is how many shards a new on-demand stream starts with.
const kinOnDemandShards = 4

// kinListTokenTTL is how long a ListStreams or ListShards NextToken lives.
const kinListTokenTTL = 300 * time.Second

type kinModeDetails struct {
	StreamMode string `json:"StreamMode"`
}

type kinEnhancedMetrics struct {
	ShardLevelMetrics []string `json:"ShardLevelMetrics"`
}

type kinHashKeyRange struct {
	StartingHashKey string `json:"StartingHashKey"`
	EndingHashKey   string `json:"EndingHashKey"`
}

type kinSequenceNumberRange struct {
	StartingSequenceNumber string `json:"StartingSequenceNumber"`
	EndingSequenceNumber   string `json:"EndingSequenceNumber,omitempty"`
}

type kinShardJSON struct {
	ShardId               string                 `json:"ShardId"`
	ParentShardId         string                 `json:"ParentShardId,omitempty"`
	AdjacentParentShardId string                 `json:"AdjacentParentShardId,omitempty"`
	HashKeyRange          kinHashKeyRange        `json:"HashKeyRange"`
	SequenceNumberRange   kinSequenceNumberRange `json:"SequenceNumberRange"`
}

type kinStreamRef struct {
	StreamName string `json:"StreamName"`
	StreamARN  string `json:"StreamARN"`
}

// kinShardCountLimit bounds the shards of one stream; AWS's own limit is an
// account quota, this one only keeps the emulator's memory in check.
const kinShardCountLimit = 10000

func (k *kinesisService) createStream(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		StreamName        string
		ShardCount        *int
		StreamModeDetails *kinModeDetails
		Tags              map[string]string
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	if in.StreamName == "" {
		return nil, kinValidation("Value null at 'streamName' failed to satisfy constraint: Member must not be null")
	}
	if err := kinCheckStreamName(in.StreamName); err != nil {
		return nil, err
	}
	mode := "ON_DEMAND"
	if in.ShardCount != nil {
		mode = "PROVISIONED"
	}
	if in.StreamModeDetails != nil {
		mode = in.StreamModeDetails.StreamMode
	}
	if len(in.Tags) > kinMaxTagsPerStream {
		return nil, kinInvalidArgument("Failed to create stream %s under account %s because a given stream cannot have more than %d tags.", in.StreamName, rc.Account, kinMaxTagsPerStream)
	}
	if err := kinCheckTags(in.Tags); err != nil {
		return nil, err
	}
	shards := kinOnDemandShards
	switch mode {
	case "PROVISIONED":
		if in.ShardCount == nil {
			return nil, kinInvalidArgument("ShardCount is required when StreamMode=PROVISIONED")
		}
		if *in.ShardCount < 1 {
			return nil, kinValidation("Value '%d' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.ShardCount)
		}
		if *in.ShardCount > kinShardCountLimit {
			return nil, kinErr("LimitExceededException", "This request would exceed the shard limit for the account %s in %s. Current limit of shards is %d.", rc.Account, rc.Region, kinShardCountLimit)
		}
		shards = *in.ShardCount
	case "ON_DEMAND":
		if in.ShardCount != nil {
			return nil, kinInvalidArgument("ShardCount is not expected when StreamMode=ON_DEMAND")
		}
	default:
		return nil, kinValidation("Value '%s' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]", mode)
	}

	key := kinStreamKey{region: rc.Region, name: in.StreamName}
	now := k.s.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.lookup(key) != nil {
		return nil, kinErr("ResourceInUseException", "Stream %s under account %s already exists.", in.StreamName, rc.Account)
	}
	k.serial++
	st := &kinStream{
		key:     key,
		account: rc.Account,
		arn:     kinStreamARN(key.region, rc.Account, key.name),
		serial:  k.serial,
		created: now,
		mode:    mode,
		encType: "NONE",
	}
	if len(in.Tags) > 0 {
		st.tags = maps.Clone(in.Tags)
	}
	st.shards = kinNewShards(st.serial, shards)
	st.transition(kinCreating, now, k.s.Options().StreamActivationDelay)
	k.streams[key] = st
	return nil, nil
}

// kinNewShards splits the hash key space evenly over n shards, as AWS does.
func kinNewShards(serial int64, n int) []*kinShard { return kinShardsFrom(serial, n, 0) }

// kinShardsFrom splits the hash key space evenly over n shards numbered
// from first on.
func kinShardsFrom(serial int64, n, first int) []*kinShard {
	space := kinHashSpace()
	width := new(big.Int).Div(space, big.NewInt(int64(n)))
	shards := make([]*kinShard, n)
	for i := range shards {
		start := new(big.Int).Mul(width, big.NewInt(int64(i)))
		end := new(big.Int).Mul(width, big.NewInt(int64(i+1)))
		if i == n-1 {
			end.Set(space)
		}
		end.Sub(end, big.NewInt(1))
		index := first + i
		shards[i] = &kinShard{
			id:    fmt.Sprintf("shardId-%012d", index),
			index: index,
			start: start,
			end:   end,
			first: 1,
			next:  1,
		}
		shards[i].startSeq = kinSequence(serial, index, 0)
	}
	return shards
}

// openShards returns the shards that are not closed.
func openShards(shards []*kinShard) []*kinShard {
	var out []*kinShard
	for _, sh := range shards {
		if !sh.closed {
			out = append(out, sh)
		}
	}
	return out
}

func (k *kinesisService) deleteStream(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		StreamName              string
		StreamARN               string
		EnforceConsumerDeletion *bool
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	st, err := k.stream(rc, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	if st.currentStatus() != kinActive {
		return nil, kinNotActive(st)
	}
	st.pinned = "" // a deleted stream follows its own way out
	st.transition(kinDeleting, k.s.Now(), k.s.Options().StreamActivationDelay)
	if !st.settle(k.s.Now()) {
		delete(k.streams, st.key)
	}
	return nil, nil
}

type kinSummaryJSON struct {
	StreamName              string               `json:"StreamName"`
	StreamARN               string               `json:"StreamARN"`
	StreamStatus            string               `json:"StreamStatus"`
	StreamModeDetails       kinModeDetails       `json:"StreamModeDetails"`
	RetentionPeriodHours    int                  `json:"RetentionPeriodHours"`
	StreamCreationTimestamp kinTime              `json:"StreamCreationTimestamp"`
	EnhancedMonitoring      []kinEnhancedMetrics `json:"EnhancedMonitoring"`
	EncryptionType          string               `json:"EncryptionType"`
	KeyId                   string               `json:"KeyId,omitempty"`
	OpenShardCount          int                  `json:"OpenShardCount"`
	ConsumerCount           int                  `json:"ConsumerCount"`
}

func kinNoEnhancedMonitoring() []kinEnhancedMetrics {
	return []kinEnhancedMetrics{{ShardLevelMetrics: []string{}}}
}

func (k *kinesisService) describeStreamSummary(rc *core.Request, body []byte) (any, *kinError) {
	var in kinStreamRef
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	st, err := k.stream(rc, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	return map[string]any{"StreamDescriptionSummary": kinSummaryJSON{
		StreamName:              st.key.name,
		StreamARN:               st.arn,
		StreamStatus:            st.currentStatus(),
		StreamModeDetails:       kinModeDetails{StreamMode: st.mode},
		RetentionPeriodHours:    st.retentionHours(),
		StreamCreationTimestamp: kinTime(st.created),
		EnhancedMonitoring:      kinNoEnhancedMonitoring(),
		EncryptionType:          st.encType,
		KeyId:                   st.keyID,
		OpenShardCount:          len(openShards(st.shards)),
		ConsumerCount:           0,
	}}, nil
}

type kinDescriptionJSON struct {
	StreamName              string               `json:"StreamName"`
	StreamARN               string               `json:"StreamARN"`
	StreamStatus            string               `json:"StreamStatus"`
	StreamModeDetails       kinModeDetails       `json:"StreamModeDetails"`
	Shards                  []kinShardJSON       `json:"Shards"`
	HasMoreShards           bool                 `json:"HasMoreShards"`
	RetentionPeriodHours    int                  `json:"RetentionPeriodHours"`
	StreamCreationTimestamp kinTime              `json:"StreamCreationTimestamp"`
	EnhancedMonitoring      []kinEnhancedMetrics `json:"EnhancedMonitoring"`
	EncryptionType          string               `json:"EncryptionType"`
	KeyId                   string               `json:"KeyId,omitempty"`
}

func (k *kinesisService) describeStream(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		StreamName            string
		StreamARN             string
		Limit                 *int
		ExclusiveStartShardId string
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 10000 {
			return nil, kinValidation("Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000", *in.Limit)
		}
		limit = min(*in.Limit, 100)
	}
	st, err := k.stream(rc, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	shards := st.shardsAfter(in.ExclusiveStartShardId)
	more := len(shards) > limit
	if more {
		shards = shards[:limit]
	}
	return map[string]any{"StreamDescription": kinDescriptionJSON{
		StreamName:              st.key.name,
		StreamARN:               st.arn,
		StreamStatus:            st.currentStatus(),
		StreamModeDetails:       kinModeDetails{StreamMode: st.mode},
		Shards:                  kinShardsJSON(shards),
		HasMoreShards:           more,
		RetentionPeriodHours:    st.retentionHours(),
		StreamCreationTimestamp: kinTime(st.created),
		EnhancedMonitoring:      kinNoEnhancedMonitoring(),
		EncryptionType:          st.encType,
		KeyId:                   st.keyID,
	}}, nil
}

// shardsAfter returns the shards whose IDs sort after id (all of them for "").
func (st *kinStream) shardsAfter(id string) []*kinShard {
	if id == "" {
		return st.shards
	}
	i := sort.Search(len(st.shards), func(i int) bool { return st.shards[i].id > id })
	return st.shards[i:]
}

func kinShardsJSON(shards []*kinShard) []kinShardJSON {
	out := make([]kinShardJSON, len(shards))
	for i, sh := range shards {
		out[i] = kinShardJSON{
			ShardId:               sh.id,
			ParentShardId:         sh.parent,
			AdjacentParentShardId: sh.adjacent,
			HashKeyRange:          kinHashKeyRange{StartingHashKey: sh.start.String(), EndingHashKey: sh.end.String()},
			SequenceNumberRange:   kinSequenceNumberRange{StartingSequenceNumber: sh.startSeq, EndingSequenceNumber: sh.endSeq},
		}
	}
	return out
}

// kinListToken is the content of a ListStreams or ListShards NextToken.
type kinListToken struct {
	Region string `json:"r"`
	Name   string `json:"n,omitempty"` // ListShards: the stream
	Serial int64  `json:"s,omitempty"` // ListShards: the stream's serial
	After  string `json:"a"`           // the last stream name or shard ID returned
	Issued int64  `json:"t"`           // unix milliseconds
}

func kinEncodeToken(t kinListToken) string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (k *kinesisService) decodeToken(s string) (kinListToken, *kinError) {
	var t kinListToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &t) != nil || t.Issued == 0 {
		return t, kinInvalidArgument("Invalid NextToken.")
	}
	if k.s.Now().Sub(time.UnixMilli(t.Issued)) > kinListTokenTTL {
		return t, kinErr("ExpiredNextTokenException", "The NextToken has expired.")
	}
	return t, nil
}

type kinStreamSummaryJSON struct {
	StreamName              string         `json:"StreamName"`
	StreamARN               string         `json:"StreamARN"`
	StreamStatus            string         `json:"StreamStatus"`
	StreamModeDetails       kinModeDetails `json:"StreamModeDetails"`
	StreamCreationTimestamp kinTime        `json:"StreamCreationTimestamp"`
}

func (k *kinesisService) listStreams(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		Limit                    *int
		ExclusiveStartStreamName string
		NextToken                string
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 10000 {
			return nil, kinValidation("Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000", *in.Limit)
		}
		limit = min(*in.Limit, 100)
	}
	after := in.ExclusiveStartStreamName
	if in.NextToken != "" {
		if in.ExclusiveStartStreamName != "" {
			return nil, kinInvalidArgument("NextToken and ExclusiveStartStreamName cannot be provided together.")
		}
		t, err := k.decodeToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		if t.Region != rc.Region || t.Name != "" {
			return nil, kinInvalidArgument("Invalid NextToken.")
		}
		after = t.After
	}

	k.mu.Lock()
	defer k.mu.Unlock()
	var names []string
	for key := range k.streams {
		if key.region == rc.Region && key.name > after && k.lookup(key) != nil {
			names = append(names, key.name)
		}
	}
	sort.Strings(names)
	more := len(names) > limit
	if more {
		names = names[:limit]
	}
	out := struct {
		StreamNames     []string               `json:"StreamNames"`
		HasMoreStreams  bool                   `json:"HasMoreStreams"`
		NextToken       string                 `json:"NextToken,omitempty"`
		StreamSummaries []kinStreamSummaryJSON `json:"StreamSummaries"`
	}{StreamNames: []string{}, HasMoreStreams: more, StreamSummaries: []kinStreamSummaryJSON{}}
	for _, name := range names {
		st := k.streams[kinStreamKey{region: rc.Region, name: name}]
		out.StreamNames = append(out.StreamNames, name)
		out.StreamSummaries = append(out.StreamSummaries, kinStreamSummaryJSON{
			StreamName:              name,
			StreamARN:               st.arn,
			StreamStatus:            st.currentStatus(),
			StreamModeDetails:       kinModeDetails{StreamMode: st.mode},
			StreamCreationTimestamp: kinTime(st.created),
		})
	}
	if more {
		out.NextToken = kinEncodeToken(kinListToken{Region: rc.Region, After: names[len(names)-1], Issued: k.s.Now().UnixMilli()})
	}
	return out, nil
}

type kinEncryptionInput struct {
	StreamName     string
	StreamARN      string
	EncryptionType string
	KeyId          string
}

func (in *kinEncryptionInput) validate() *kinError {
	switch in.EncryptionType {
	case "":
		return kinValidation("Value null at 'encryptionType' failed to satisfy constraint: Member must not be null")
	case "KMS":
	case "NONE":
		return kinInvalidArgument("Encryption type NONE is not supported for this operation; use KMS.")
	default:
		return kinValidation("Value '%s' at 'encryptionType' failed to satisfy constraint: Member must satisfy enum value set: [KMS, NONE]", in.EncryptionType)
	}
	switch {
	case in.KeyId == "":
		return kinValidation("Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	case len(in.KeyId) > 2048:
		return kinValidation("Value '%s' at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048", in.KeyId)
	}
	return nil
}

func (k *kinesisService) startStreamEncryption(rc *core.Request, body []byte) (any, *kinError) {
	return k.changeEncryption(rc, body, true)
}

func (k *kinesisService) stopStreamEncryption(rc *core.Request, body []byte) (any, *kinError) {
	return k.changeEncryption(rc, body, false)
}

// changeEncryption starts or stops server-side encryption. The stream is
// UPDATING for StreamActivationDelay and reports the new settings at once.
func (k *kinesisService) changeEncryption(rc *core.Request, body []byte, start bool) (any, *kinError) {
	var in kinEncryptionInput
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	st, err := k.stream(rc, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	if st.currentStatus() != kinActive {
		return nil, kinNotActive(st)
	}
	if start {
		st.encType, st.keyID = "KMS", in.KeyId
	} else {
		st.encType, st.keyID = "NONE", ""
	}
	st.transition(kinUpdating, k.s.Now(), k.s.Options().StreamActivationDelay)
	return nil, nil
}
