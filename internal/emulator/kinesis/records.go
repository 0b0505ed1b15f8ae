package kinesis

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// kinShard is one shard of a stream and the records it holds. Records are
// numbered from 1 within the shard; the number is part of the sequence number.
type kinShard struct {
	id       string
	index    int
	start    *big.Int // StartingHashKey
	end      *big.Int // EndingHashKey
	startSeq string   // StartingSequenceNumber
	first    int64    // number of records[0]
	next     int64    // number the next record gets
	records  []kinRecord

	// A shard closed by UpdateShardCount takes no more records; its
	// records stay readable until the retention period drops them.
	closed           bool
	endSeq           string // EndingSequenceNumber, once closed
	parent, adjacent string // ParentShardId, AdjacentParentShardId
}

type kinRecord struct {
	seq     string
	data    []byte
	key     string // partition key
	arrival time.Time
	enc     string // KMS or ""
}

// Limits of the data plane, from the Kinesis API reference.
const (
	kinMaxRecordData      = 1 << 20 // per record
	kinMaxPutRecords      = 500     // per PutRecords call
	kinMaxPutRecordsBytes = 5 << 20 // per PutRecords call
	kinMaxGetRecordsBytes = 10 << 20
	kinIteratorTTL        = 5 * time.Minute
)

// kinHashSpace returns 2^128, the size of the hash key space.
func kinHashSpace() *big.Int { return new(big.Int).Lsh(big.NewInt(1), 128) }

// kinPartitionHash maps a partition key to a hash key the way Kinesis does:
// the MD5 digest of the key's UTF-8 bytes read as a big-endian 128-bit integer.
func kinPartitionHash(key string) *big.Int {
	sum := md5.Sum([]byte(key))
	return new(big.Int).SetBytes(sum[:])
}

// kinSequence formats a sequence number: a fixed "49", the stream serial,
// the shard index and the record number, all decimal and fixed width.
func kinSequence(serial int64, shard int, num int64) string {
	return fmt.Sprintf("49%016d%06d%020d", serial, shard, num)
}

// kinParseSequence undoes kinSequence.
func kinParseSequence(s string) (serial int64, shard int, num int64, ok bool) {
	if len(s) != 44 || !strings.HasPrefix(s, "49") {
		return 0, 0, 0, false
	}
	a, err1 := strconv.ParseInt(s[2:18], 10, 64)
	b, err2 := strconv.Atoi(s[18:24])
	c, err3 := strconv.ParseInt(s[24:], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, 0, false
	}
	return a, b, c, true
}

// trim drops records older than the retention period.
func (sh *kinShard) trim(now time.Time, retention time.Duration) {
	cut := now.Add(-retention)
	i := 0
	for i < len(sh.records) && sh.records[i].arrival.Before(cut) {
		i++
	}
	if i > 0 {
		sh.records = append([]kinRecord(nil), sh.records[i:]...)
		sh.first += int64(i)
	}
}

// shardFor returns the shard whose hash key range holds the record.
func (st *kinStream) shardFor(partitionKey, explicitHashKey string) (*kinShard, *kinError) {
	var h *big.Int
	if explicitHashKey != "" {
		v, ok := new(big.Int).SetString(explicitHashKey, 10)
		if !ok || v.Sign() < 0 || v.Cmp(kinHashSpace()) >= 0 {
			return nil, kinInvalidArgument("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s", explicitHashKey)
		}
		h = v
	} else {
		h = kinPartitionHash(partitionKey)
	}
	for _, sh := range st.shards {
		if !sh.closed && h.Cmp(sh.start) >= 0 && h.Cmp(sh.end) <= 0 {
			return sh, nil
		}
	}
	return nil, kinErr("InternalFailure", "no shard holds hash key %s", h)
}

// append stores a record and returns its sequence number.
func (st *kinStream) append(sh *kinShard, data []byte, key string, now time.Time) string {
	seq := kinSequence(st.serial, sh.index, sh.next)
	enc := ""
	if st.encType == "KMS" {
		enc = "KMS"
	}
	sh.records = append(sh.records, kinRecord{seq: seq, data: append([]byte(nil), data...), key: key, arrival: now, enc: enc})
	sh.next++
	return seq
}

// writable reports whether records can be written to or read from the
// stream: AWS takes them while a stream is ACTIVE, UPDATING or DELETING, and
// answers ResourceNotFoundException while it is CREATING.
func (st *kinStream) writable() *kinError {
	if st.currentStatus() == kinCreating {
		return kinNotFound(st.key, st.account)
	}
	return nil
}

func kinCheckRecord(field string, data []byte, key string) *kinError {
	if data == nil {
		return kinValidation("Value null at '%sdata' failed to satisfy constraint: Member must not be null", field)
	}
	if len(data) > kinMaxRecordData {
		return kinValidation("Value at '%sdata' failed to satisfy constraint: Member must have length less than or equal to %d", field, kinMaxRecordData)
	}
	n := utf8.RuneCountInString(key)
	switch {
	case key == "":
		return kinValidation("Value null at '%spartitionKey' failed to satisfy constraint: Member must not be null", field)
	case n > 256:
		return kinValidation("Value '%s' at '%spartitionKey' failed to satisfy constraint: Member must have length less than or equal to 256", key, field)
	}
	return nil
}

func (k *kinesisService) putRecord(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		StreamName                string
		StreamARN                 string
		Data                      []byte
		PartitionKey              string
		ExplicitHashKey           string
		SequenceNumberForOrdering string
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	if err := kinCheckRecord("", in.Data, in.PartitionKey); err != nil {
		return nil, err
	}
	st, err := k.stream(rc, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	if err := st.writable(); err != nil {
		return nil, err
	}
	if in.SequenceNumberForOrdering != "" {
		if serial, _, _, ok := kinParseSequence(in.SequenceNumberForOrdering); !ok || serial != st.serial {
			return nil, kinInvalidArgument("ExclusiveMinimumSequenceNumber %s used in PutRecord on stream %s under account %s is invalid.",
				in.SequenceNumberForOrdering, st.key.name, st.account)
		}
	}
	sh, err := st.shardFor(in.PartitionKey, in.ExplicitHashKey)
	if err != nil {
		return nil, err
	}
	seq := st.append(sh, in.Data, in.PartitionKey, k.s.Now())
	return struct {
		ShardId        string `json:"ShardId"`
		SequenceNumber string `json:"SequenceNumber"`
		EncryptionType string `json:"EncryptionType"`
	}{sh.id, seq, st.encType}, nil
}

type kinPutRecordsResult struct {
	SequenceNumber string `json:"SequenceNumber,omitempty"`
	ShardId        string `json:"ShardId,omitempty"`
	ErrorCode      string `json:"ErrorCode,omitempty"`
	ErrorMessage   string `json:"ErrorMessage,omitempty"`
}

func (k *kinesisService) putRecords(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		StreamName string
		StreamARN  string
		Records    []struct {
			Data            []byte
			PartitionKey    string
			ExplicitHashKey string
		}
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.Records == nil:
		return nil, kinValidation("Value null at 'records' failed to satisfy constraint: Member must not be null")
	case len(in.Records) == 0:
		return nil, kinValidation("Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case len(in.Records) > kinMaxPutRecords:
		return nil, kinValidation("Value at 'records' failed to satisfy constraint: Member must have length less than or equal to %d", kinMaxPutRecords)
	}
	total := 0
	for i, rec := range in.Records {
		if err := kinCheckRecord(fmt.Sprintf("records.%d.member.", i+1), rec.Data, rec.PartitionKey); err != nil {
			return nil, err
		}
		total += len(rec.Data) + len(rec.PartitionKey)
	}
	if total > kinMaxPutRecordsBytes {
		return nil, kinInvalidArgument("Records size exceeds 5 MB limit")
	}
	st, err := k.stream(rc, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	if err := st.writable(); err != nil {
		return nil, err
	}
	// Route every record before storing any, so a bad hash key stores nothing.
	shards := make([]*kinShard, len(in.Records))
	for i, rec := range in.Records {
		if shards[i], err = st.shardFor(rec.PartitionKey, rec.ExplicitHashKey); err != nil {
			return nil, err
		}
	}
	now := k.s.Now()
	results := make([]kinPutRecordsResult, len(in.Records))
	for i, rec := range in.Records {
		results[i] = kinPutRecordsResult{SequenceNumber: st.append(shards[i], rec.Data, rec.PartitionKey, now), ShardId: shards[i].id}
	}
	return struct {
		FailedRecordCount int                   `json:"FailedRecordCount"`
		Records           []kinPutRecordsResult `json:"Records"`
		EncryptionType    string                `json:"EncryptionType"`
	}{0, results, st.encType}, nil
}

func (k *kinesisService) listShards(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		StreamName              string
		StreamARN               string
		NextToken               string
		ExclusiveStartShardId   string
		MaxResults              *int
		StreamCreationTimestamp *float64
		ShardFilter             *struct {
			Type      string
			ShardId   string
			Timestamp *float64
		}
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	limit := 1000
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 10000 {
			return nil, kinValidation("Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 10000", *in.MaxResults)
		}
		limit = *in.MaxResults
	}
	after := in.ExclusiveStartShardId
	name, arn := in.StreamName, in.StreamARN
	var serial int64
	if in.NextToken != "" {
		if name != "" || arn != "" {
			return nil, kinInvalidArgument("NextToken and StreamName cannot be provided together.")
		}
		if after != "" || in.ShardFilter != nil || in.StreamCreationTimestamp != nil {
			return nil, kinInvalidArgument("NextToken cannot be provided together with ExclusiveStartShardId, ShardFilter or StreamCreationTimestamp.")
		}
		t, err := k.decodeToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		if t.Name == "" {
			return nil, kinInvalidArgument("Invalid NextToken.")
		}
		arn, after, serial = kinStreamARN(t.Region, rc.Account, t.Name), t.After, t.Serial
	} else if name == "" && arn == "" {
		return nil, kinInvalidArgument("Either NextToken or StreamName or StreamARN should be provided.")
	}
	if f := in.ShardFilter; f != nil {
		switch f.Type {
		case "AFTER_SHARD_ID":
			if f.ShardId == "" {
				return nil, kinInvalidArgument("ShardId must be provided with the AFTER_SHARD_ID ShardFilter type.")
			}
			if f.ShardId > after {
				after = f.ShardId
			}
		case "AT_TIMESTAMP", "FROM_TIMESTAMP":
			if f.Timestamp == nil {
				return nil, kinInvalidArgument("Timestamp must be provided with the %s ShardFilter type.", f.Type)
			}
		case "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST":
		default:
			return nil, kinValidation("Value '%s' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]", f.Type)
		}
	}
	st, err := k.stream(rc, name, arn)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	if serial != 0 && serial != st.serial {
		return nil, kinErr("ExpiredNextTokenException", "The NextToken belongs to a stream that no longer exists.")
	}
	if st.currentStatus() == kinCreating {
		return nil, kinNotActive(st)
	}
	// AT_LATEST lists the open shards; the other filters list every shard
	// still held (closed shards stay until their records expire).
	shards := st.shardsAfter(after)
	if in.ShardFilter != nil && in.ShardFilter.Type == "AT_LATEST" {
		shards = openShards(shards)
	}
	out := struct {
		Shards    []kinShardJSON `json:"Shards"`
		NextToken string         `json:"NextToken,omitempty"`
	}{}
	if len(shards) > limit {
		shards = shards[:limit]
		out.NextToken = kinEncodeToken(kinListToken{Region: st.key.region, Name: st.key.name, Serial: st.serial,
			After: shards[len(shards)-1].id, Issued: k.s.Now().UnixMilli()})
	}
	out.Shards = kinShardsJSON(shards)
	return out, nil
}

// kinIterator is the content of a shard iterator.
type kinIterator struct {
	Region string `json:"r"`
	Name   string `json:"n"`
	Serial int64  `json:"s"`
	Shard  int    `json:"h"`
	Pos    int64  `json:"p"` // number of the next record to read
	Issued int64  `json:"t"` // unix milliseconds
}

func kinEncodeIterator(it kinIterator) string {
	b, _ := json.Marshal(it)
	return base64.StdEncoding.EncodeToString(b)
}

func kinDecodeIterator(s string) (kinIterator, bool) {
	var it kinIterator
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &it) != nil || it.Name == "" || it.Issued == 0 {
		return it, false
	}
	return it, true
}

func (st *kinStream) shardByID(id string) *kinShard {
	for _, sh := range st.shards {
		if sh.id == id {
			return sh
		}
	}
	return nil
}

func (k *kinesisService) getShardIterator(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		StreamName             string
		StreamARN              string
		ShardId                string
		ShardIteratorType      string
		StartingSequenceNumber string
		Timestamp              *float64
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	if in.ShardId == "" {
		return nil, kinValidation("Value null at 'shardId' failed to satisfy constraint: Member must not be null")
	}
	switch in.ShardIteratorType {
	case "":
		return nil, kinValidation("Value null at 'shardIteratorType' failed to satisfy constraint: Member must not be null")
	case "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP":
		if in.StartingSequenceNumber != "" {
			return nil, kinInvalidArgument("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and also a StartingSequenceNumber.", in.ShardIteratorType)
		}
	case "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER":
		if in.StartingSequenceNumber == "" {
			return nil, kinInvalidArgument("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and no StartingSequenceNumber.", in.ShardIteratorType)
		}
	default:
		return nil, kinValidation("Value '%s' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]", in.ShardIteratorType)
	}
	if in.ShardIteratorType == "AT_TIMESTAMP" && in.Timestamp == nil {
		return nil, kinInvalidArgument("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
	}
	st, err := k.stream(rc, in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer k.mu.Unlock()
	if err := st.writable(); err != nil {
		return nil, err
	}
	sh := st.shardByID(in.ShardId)
	if sh == nil {
		return nil, kinErr("ResourceNotFoundException", "Shard %s in stream %s under account %s does not exist", in.ShardId, st.key.name, st.account)
	}
	now := k.s.Now()
	sh.trim(now, time.Duration(st.retentionHours())*time.Hour)
	var pos int64
	switch in.ShardIteratorType {
	case "TRIM_HORIZON":
		pos = sh.first
	case "LATEST":
		pos = sh.next
	case "AT_TIMESTAMP":
		at := kinEpoch(*in.Timestamp)
		pos = sh.next
		for i, rec := range sh.records {
			if !rec.arrival.Before(at) {
				pos = sh.first + int64(i)
				break
			}
		}
	default:
		serial, shard, num, ok := kinParseSequence(in.StartingSequenceNumber)
		switch {
		case !ok:
			return nil, kinInvalidArgument("StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid.",
				in.StartingSequenceNumber, sh.id, st.key.name, st.account)
		case shard != sh.index:
			return nil, kinInvalidArgument("Invalid StartingSequenceNumber. It encodes shardId-%012d, while it was used in a call to a shard with %s", shard, sh.id)
		case serial != st.serial || num >= sh.next:
			return nil, kinInvalidArgument("StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid because it did not come from this stream.",
				in.StartingSequenceNumber, sh.id, st.key.name, st.account)
		}
		pos = max(num, sh.first)
		if in.ShardIteratorType == "AFTER_SEQUENCE_NUMBER" {
			pos = max(num+1, sh.first)
		}
	}
	it := kinIterator{Region: st.key.region, Name: st.key.name, Serial: st.serial, Shard: sh.index, Pos: pos, Issued: now.UnixMilli()}
	return map[string]string{"ShardIterator": kinEncodeIterator(it)}, nil
}

type kinRecordJSON struct {
	SequenceNumber              string  `json:"SequenceNumber"`
	ApproximateArrivalTimestamp kinTime `json:"ApproximateArrivalTimestamp"`
	Data                        []byte  `json:"Data"`
	PartitionKey                string  `json:"PartitionKey"`
	EncryptionType              string  `json:"EncryptionType,omitempty"`
}

func (k *kinesisService) getRecords(rc *core.Request, body []byte) (any, *kinError) {
	var in struct {
		ShardIterator string
		Limit         *int
		StreamARN     string
	}
	if err := kinDecode(body, &in); err != nil {
		return nil, err
	}
	if in.ShardIterator == "" {
		return nil, kinValidation("Value null at 'shardIterator' failed to satisfy constraint: Member must not be null")
	}
	limit := 10000
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 10000 {
			return nil, kinValidation("Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000", *in.Limit)
		}
		limit = *in.Limit
	}
	it, ok := kinDecodeIterator(in.ShardIterator)
	if !ok {
		return nil, kinInvalidArgument("Invalid ShardIterator.")
	}
	now := k.s.Now()
	if issued := time.UnixMilli(it.Issued); now.Sub(issued) > kinIteratorTTL {
		return nil, kinErr("ExpiredIteratorException", "Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			issued.UTC().Format(time.UnixDate), now.UTC().Format(time.UnixDate), kinIteratorTTL.Milliseconds())
	}
	if in.StreamARN != "" && in.StreamARN != kinStreamARN(it.Region, rc.Account, it.Name) {
		return nil, kinInvalidArgument("StreamARN %s does not match the stream of the shard iterator.", in.StreamARN)
	}
	key := kinStreamKey{region: it.Region, name: it.Name}
	k.mu.Lock()
	defer k.mu.Unlock()
	st := k.lookup(key)
	if st == nil || st.serial != it.Serial || it.Shard < 0 || it.Shard >= len(st.shards) {
		return nil, kinNotFound(key, rc.Account)
	}
	if err := st.writable(); err != nil {
		return nil, err
	}
	sh := st.shards[it.Shard]
	sh.trim(now, time.Duration(st.retentionHours())*time.Hour)
	pos := max(it.Pos, sh.first)
	records := []kinRecordJSON{}
	size := 0
	for pos < sh.next && len(records) < limit {
		rec := sh.records[pos-sh.first]
		if len(records) > 0 && size+len(rec.data) > kinMaxGetRecordsBytes {
			break
		}
		size += len(rec.data)
		records = append(records, kinRecordJSON{
			SequenceNumber:              rec.seq,
			ApproximateArrivalTimestamp: kinTime(rec.arrival),
			Data:                        rec.data,
			PartitionKey:                rec.key,
			EncryptionType:              rec.enc,
		})
		pos++
	}
	var behind int64
	if pos < sh.next {
		behind = max(now.Sub(sh.records[pos-sh.first].arrival).Milliseconds(), 0)
	}
	it.Pos, it.Issued = pos, now.UnixMilli()
	// A closed shard read to its end has no next iterator.
	var next *string
	if !sh.closed || pos < sh.next {
		n := kinEncodeIterator(it)
		next = &n
	}
	return struct {
		Records            []kinRecordJSON `json:"Records"`
		NextShardIterator  *string         `json:"NextShardIterator,omitempty"`
		MillisBehindLatest int64           `json:"MillisBehindLatest"`
	}{records, next, behind}, nil
}
