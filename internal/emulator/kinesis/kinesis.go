// Package kinesis emulates the Kinesis Data Streams JSON 1.1 API: streams,
// their shards, records, encryption, retention, tags and capacity modes.
package kinesis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// kinesisService emulates the Kinesis Data Streams JSON 1.1 API. Streams are
// regional: the same name may exist once per region.
type kinesisService struct {
	s *core.Server

	mu      sync.Mutex
	streams map[kinStreamKey]*kinStream
	serial  int64 // last stream serial handed out; serials tell apart streams re-created under one name
}

func newKinesis(s *core.Server) *kinesisService {
	return &kinesisService{s: s, streams: map[kinStreamKey]*kinStream{}}
}

// kinStreamKey identifies a stream: streams are regional.
type kinStreamKey struct{ region, name string }

// kinStream is one data stream. Its status moves on lazily: a CREATING,
// UPDATING or DELETING stream settles when an operation looks at it after
// its transition time has passed.
type kinStream struct {
	key     kinStreamKey
	account string
	arn     string
	serial  int64
	created time.Time
	mode    string // PROVISIONED or ON_DEMAND

	status string    // CREATING, ACTIVE, UPDATING or DELETING
	until  time.Time // when the current transitional status ends
	pinned string    // a status pinned by SetStreamStatus; it overrides status

	encType string // NONE or KMS
	keyID   string

	retention int               // hours; 0 means the default of 24
	tags      map[string]string // by key

	shards []*kinShard
}

// Kinesis stream statuses.
const (
	kinCreating = "CREATING"
	kinActive   = "ACTIVE"
	kinUpdating = "UPDATING"
	kinDeleting = "DELETING"
)

// kinMaxBody bounds request bodies: PutRecords takes up to 5 MiB of data,
// which base64 inflates by a third.
const kinMaxBody = 16 << 20

// settle applies the transition that is due by now. It reports false when
// the stream has finished deleting and should be forgotten.
func (st *kinStream) settle(now time.Time) bool {
	if st.pinned != "" || now.Before(st.until) {
		return true
	}
	switch st.status {
	case kinCreating, kinUpdating:
		st.status = kinActive
	case kinDeleting:
		return false
	}
	return true
}

// currentStatus is the status an API caller sees.
func (st *kinStream) currentStatus() string {
	if st.pinned != "" {
		return st.pinned
	}
	return st.status
}

// transition moves the stream to status, which ends after delay; a zero
// delay ends it at once.
func (st *kinStream) transition(status string, now time.Time, delay time.Duration) {
	st.status = status
	st.until = now.Add(delay)
	st.settle(now)
}

// kinError is a Kinesis API error.
type kinError = core.Error

func kinErr(code, format string, args ...any) *kinError {
	status := http.StatusBadRequest
	switch code {
	case "AccessDeniedException":
		status = http.StatusForbidden
	case "InternalFailure":
		status = http.StatusInternalServerError
	}
	return &kinError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func kinInvalidArgument(format string, args ...any) *kinError {
	return kinErr("InvalidArgumentException", format, args...)
}

// kinValidation reports a violated model constraint the way AWS's request
// validation does.
func kinValidation(format string, args ...any) *kinError {
	return kinErr("ValidationException", "1 validation error detected: "+format, args...)
}

func kinNotFound(key kinStreamKey, account string) *kinError {
	return kinErr("ResourceNotFoundException", "Stream %s under account %s not found.", key.name, account)
}

func kinNotActive(st *kinStream) *kinError {
	return kinErr("ResourceInUseException", "Stream %s under account %s not ACTIVE, instead in state %s",
		st.key.name, st.account, st.currentStatus())
}

// serve dispatches a JSON 1.1 request on its X-Amz-Target.
func (k *kinesisService) serve(w http.ResponseWriter, r *http.Request, rc *core.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "Kinesis_20131202.")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, kinMaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			kinesisProtocol().WriteError(w, rc, &kinError{Status: http.StatusRequestEntityTooLarge, Code: "ValidationException", Message: "Request body is too large."})
			return
		}
		kinesisProtocol().WriteError(w, rc, &kinError{Status: http.StatusBadRequest, Code: "SerializationException", Message: err.Error()})
		return
	}
	out, kerr := k.dispatch(op, rc, body)
	if kerr != nil {
		kinesisProtocol().WriteError(w, rc, kerr)
		return
	}
	if out == nil { // operations without output answer with an empty body
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusOK)
		return
	}
	core.WriteJSON(w, http.StatusOK, out)
}

func (k *kinesisService) dispatch(op string, rc *core.Request, body []byte) (any, *kinError) {
	switch op {
	case "CreateStream":
		return k.createStream(rc, body)
	case "DeleteStream":
		return k.deleteStream(rc, body)
	case "DescribeStreamSummary":
		return k.describeStreamSummary(rc, body)
	case "DescribeStream":
		return k.describeStream(rc, body)
	case "ListStreams":
		return k.listStreams(rc, body)
	case "StartStreamEncryption":
		return k.startStreamEncryption(rc, body)
	case "StopStreamEncryption":
		return k.stopStreamEncryption(rc, body)
	case "DescribeLimits":
		return k.describeLimits(rc, body)
	case "IncreaseStreamRetentionPeriod":
		return k.increaseRetention(rc, body)
	case "DecreaseStreamRetentionPeriod":
		return k.decreaseRetention(rc, body)
	case "AddTagsToStream":
		return k.addTagsToStream(rc, body)
	case "RemoveTagsFromStream":
		return k.removeTagsFromStream(rc, body)
	case "ListTagsForStream":
		return k.listTagsForStream(rc, body)
	case "UpdateStreamMode":
		return k.updateStreamMode(rc, body)
	case "UpdateShardCount":
		return k.updateShardCount(rc, body)
	case "PutRecord":
		return k.putRecord(rc, body)
	case "PutRecords":
		return k.putRecords(rc, body)
	case "ListShards":
		return k.listShards(rc, body)
	case "GetShardIterator":
		return k.getShardIterator(rc, body)
	case "GetRecords":
		return k.getRecords(rc, body)
	}
	return nil, kinErr("UnknownOperationException", "Operation %s is not supported by this emulator.", op)
}

// kinDecode unmarshals a request body; anything that is not a JSON object of
// the right member types is a SerializationException, as with AWS.
func kinDecode(body []byte, v any) *kinError {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return kinErr("SerializationException", "Unexpected value type in payload for member %s", typeErr.Field)
		}
		return kinErr("SerializationException", "Malformed request body: %v", err)
	}
	return nil
}

// kinTime is a timestamp the JSON protocol carries as epoch seconds.
type kinTime time.Time

// MarshalJSON writes epoch seconds with millisecond precision, as AWS does.
func (t kinTime) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

// kinEpoch turns epoch seconds from a request into a time.
func kinEpoch(sec float64) time.Time {
	whole := int64(sec)
	return time.Unix(whole, int64((sec-float64(whole))*1e9))
}

var (
	kinStreamNameRe = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)
	kinStreamARNRe  = regexp.MustCompile(`^arn:(aws[a-z-]*):kinesis:([^:]*):(\d{12}):stream/(\S+)$`)
)

func kinCheckStreamName(name string) *kinError {
	switch {
	case len(name) < 1 || len(name) > 128:
		return kinValidation("Value '%s' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128", name)
	case !kinStreamNameRe.MatchString(name):
		return kinValidation("Value '%s' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", name)
	}
	return nil
}

// kinStreamARN returns the ARN of a stream.
func kinStreamARN(region, account, name string) string {
	return "arn:aws:kinesis:" + region + ":" + account + ":stream/" + name
}

// target resolves the StreamName and StreamARN members of a request to a
// stream key. An ARN's region wins over the request's; a stream ARN of
// another account names a stream this emulator does not hold.
func (k *kinesisService) target(rc *core.Request, name, arn string) (kinStreamKey, *kinError) {
	if arn == "" {
		if name == "" {
			return kinStreamKey{}, kinInvalidArgument("Either StreamName or StreamARN must be provided.")
		}
		if err := kinCheckStreamName(name); err != nil {
			return kinStreamKey{}, err
		}
		return kinStreamKey{region: rc.Region, name: name}, nil
	}
	m := kinStreamARNRe.FindStringSubmatch(arn)
	if m == nil || len(arn) > 2048 {
		return kinStreamKey{}, kinValidation("Value '%s' at 'streamARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+", arn)
	}
	region, account, arnName := m[2], m[3], m[4]
	if err := kinCheckStreamName(arnName); err != nil {
		return kinStreamKey{}, kinInvalidArgument("StreamARN %s is not a valid stream ARN.", arn)
	}
	if name != "" && name != arnName {
		return kinStreamKey{}, kinInvalidArgument("StreamARN %s and StreamName %s do not refer to the same stream.", arn, name)
	}
	key := kinStreamKey{region: region, name: arnName}
	if region == "" {
		key.region = rc.Region
	}
	if account != rc.Account {
		return kinStreamKey{}, kinNotFound(key, account)
	}
	return key, nil
}

// lookup returns the stream at key, settling its status first. The caller
// holds k.mu.
func (k *kinesisService) lookup(key kinStreamKey) *kinStream {
	st, ok := k.streams[key]
	if !ok {
		return nil
	}
	if !st.settle(k.s.Now()) {
		delete(k.streams, key)
		return nil
	}
	return st
}

// stream resolves a request's stream and returns it with k.mu held; the
// caller must unlock. On error the lock is not held.
func (k *kinesisService) stream(rc *core.Request, name, arn string) (*kinStream, *kinError) {
	key, err := k.target(rc, name, arn)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	st := k.lookup(key)
	if st == nil {
		k.mu.Unlock()
		return nil, kinNotFound(key, rc.Account)
	}
	return st, nil
}

// SetStreamStatus pins the status a Kinesis stream of account reports
// (CREATING, ACTIVE, UPDATING or DELETING) until it is pinned again; an
// empty status unpins it and lets the stream follow its own transitions.
// The stream behaves as its pinned status says: a stream pinned CREATING
// takes no records, one pinned DELETING never goes away.
func SetStreamStatus(account *core.Account, region, name, status string) error {
	return account.State("kinesis").(*kinesisService).setStreamStatus(region, name, status)
}

func (k *kinesisService) setStreamStatus(region, name, status string) error {
	switch status {
	case "", kinCreating, kinActive, kinUpdating, kinDeleting:
	default:
		return fmt.Errorf("emulator: unknown stream status %q", status)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	st := k.lookup(kinStreamKey{region: region, name: name})
	if st == nil {
		return fmt.Errorf("emulator: stream %s not found in %s", name, region)
	}
	st.pinned = status
	if !st.settle(k.s.Now()) {
		delete(k.streams, st.key)
	}
	return nil
}

// kinesisProtocol is Kinesis's: JSON 1.1 by target header, throttled with
// LimitExceededException.
func kinesisProtocol() core.JSON {
	return core.JSON{
		TargetPrefix: "Kinesis_20131202.",
		Throttle:     core.Error{Status: http.StatusBadRequest, Code: "LimitExceededException", Message: "Rate exceeded for stream operations."},
	}
}

// Service is Kinesis's registry entry: JSON 1.1 by target header, its
// state kept per account.
func Service() core.Service {
	return core.Service{
		Name:     "kinesis",
		Protocol: kinesisProtocol(),
		Matches:  kinesisProtocol().Matches,
		NewState: func(s *core.Server, _ string) any { return newKinesis(s) },
		Serve: func(w http.ResponseWriter, r *http.Request, rc *core.Request) {
			rc.Caller.Account.State("kinesis").(*kinesisService).serve(w, r, rc)
		},
	}
}
