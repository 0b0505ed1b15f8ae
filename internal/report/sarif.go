package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudassure/cloudassure/internal/finding"
)

// SARIF writes the report as a SARIF 2.1.0 log with one run, the format
// GitHub code scanning and other static-analysis viewers read.
//
// Results are written for FAIL and ERROR findings, and for suppressed SKIP
// findings with a suppression (so code scanning shows them as dismissed); PASS
// findings and plain SKIPs (say, a disabled distribution) are not results.
// Scan errors become tool execution notifications of the run's invocation,
// which is then marked unsuccessful.
type SARIF struct {
	// Rules describe the rules that ran; see Options.Rules.
	Rules []finding.RuleInfo
}

var _ Reporter = (*SARIF)(nil)

// SARIF constants.
const (
	SARIFVersion   = "2.1.0"
	SARIFSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	// FingerprintKey names the finding fingerprint in partialFingerprints.
	FingerprintKey = "cloudassure/v1"
)

// ruleTags are the tags of every cloudassure rule. "security" together with
// the security-severity property makes GitHub show results as security alerts.
var ruleTags = []string{"security", "cloudfront", "realtime-logging"}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	// OriginalURIBaseIDs says what relative artifact URIs are relative to.
	OriginalURIBaseIDs map[string]sarifBase `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult        `json:"results"`
	Properties         *sarifRunProps       `json:"properties,omitempty"`
}

// sarifSrcRoot is the base of relative artifact URIs: the directory
// cloudassure ran in, which the paths given on its command line are
// relative to. Code scanning resolves it to the checkout.
const sarifSrcRoot = "%SRCROOT%"

type sarifBase struct {
	Description sarifText `json:"description"`
}

type sarifRunProps struct {
	Source       string `json:"source,omitempty"`
	Account      string `json:"account,omitempty"`
	Organization string `json:"organization,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name,omitempty"`
	ShortDescription     sarifText          `json:"shortDescription"`
	FullDescription      *sarifText         `json:"fullDescription,omitempty"`
	Help                 *sarifText         `json:"help,omitempty"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           sarifRuleProps     `json:"properties"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProps struct {
	Risk             string   `json:"risk,omitempty"`
	SecuritySeverity string   `json:"security-severity,omitempty"`
	Tags             []string `json:"tags"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ExitCode                   int                 `json:"exitCode"`
	StartTimeUTC               string              `json:"startTimeUtc,omitempty"`
	EndTimeUTC                 string              `json:"endTimeUtc,omitempty"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level      string                  `json:"level"`
	Message    sarifText               `json:"message"`
	Locations  []sarifLocation         `json:"locations,omitempty"`
	Properties *sarifNotificationProps `json:"properties,omitempty"`
}

type sarifNotificationProps struct {
	Operation string `json:"operation,omitempty"`
	Action    string `json:"action,omitempty"`
	Code      string `json:"code,omitempty"`
	Resource  string `json:"resource,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints,omitempty"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          sarifResultProps   `json:"properties"`
}

type sarifResultProps struct {
	Status       finding.Status `json:"status"`
	Risk         string         `json:"risk,omitempty"`
	ResourceType string         `json:"resourceType,omitempty"`
	ResourceID   string         `json:"resourceId,omitempty"`
	ResourceARN  string         `json:"resourceArn,omitempty"`
	Staging      bool           `json:"staging,omitempty"`
	Behaviors    []string       `json:"behaviors,omitempty"`
	AccountID    string         `json:"accountId,omitempty"`
	AccountName  string         `json:"accountName,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
	EndLine   int `json:"endLine,omitempty"`
}

type sarifLogical struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

// Write implements Reporter.
func (s *SARIF) Write(w io.Writer, r *finding.Report) error {
	if r == nil {
		return errNilReport
	}
	name := r.Tool.Name
	if name == "" {
		name = "cloudassure"
	}
	rules := rulesOf(r, s.Rules)
	ruleIndex := make(map[string]int, len(rules))
	driver := sarifDriver{Name: name, Version: r.Tool.Version, InformationURI: r.Tool.URI, Rules: make([]sarifRule, 0, len(rules))}
	for i, rm := range rules {
		ruleIndex[rm.ID] = i
		driver.Rules = append(driver.Rules, sarifRuleOf(rm))
	}

	inv := sarifInvocation{
		ExecutionSuccessful: len(r.Errors) == 0,
		ExitCode:            r.ExitCode(),
		StartTimeUTC:        sarifTime(r.StartedAt),
		EndTimeUTC:          sarifTime(r.FinishedAt),
	}
	for i := range r.Errors {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotificationOf(&r.Errors[i]))
	}

	// The results are made and written one at a time (twice: first to see
	// whether any has a relative file, which the run's header declares).
	relative := relativeURIs(nil, inv.ToolExecutionNotifications)
	results := 0
	err := r.EachFinding(func(f *finding.Finding) error {
		if !sarifResultFor(f) {
			return nil
		}
		results++
		if !relative {
			res := sarifResultOf(f, ruleIndex[f.RuleID])
			relative = relativeURIs([]sarifResult{res}, nil)
		}
		return nil
	})
	if err != nil {
		return err
	}

	run := sarifRun{
		Tool:        sarifTool{Driver: driver},
		Invocations: []sarifInvocation{inv},
		Results:     []sarifResult{},
	}
	if relative {
		run.OriginalURIBaseIDs = map[string]sarifBase{sarifSrcRoot: {Description: sarifText{
			Text: "The directory cloudassure ran in: file paths are the paths given on its command line."}}}
	}
	if r.Source != "" || r.Account != "" {
		run.Properties = &sarifRunProps{Source: r.Source, Account: r.Account, Organization: r.Organization}
	}
	log := sarifLog{Schema: SARIFSchemaURI, Version: SARIFVersion, Runs: []sarifRun{run}}
	var head bytes.Buffer
	if err := encodeIndented(&head, &log, "", nil); err != nil {
		return err
	}
	frame := head.Bytes()
	at := bytes.Index(frame, sarifResultsKey)
	if at < 0 || results == 0 {
		_, err := w.Write(frame)
		return err
	}
	at += len(sarifResultsKey) - 1 // just before the ]
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(frame[:at])
	var buf bytes.Buffer // reused for every result
	i := 0
	err = r.EachFinding(func(f *finding.Finding) error {
		if !sarifResultFor(f) {
			return nil
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n        ")
		res := sarifResultOf(f, ruleIndex[f.RuleID])
		if err := encodeIndented(bw, &res, "        ", &buf); err != nil {
			return fmt.Errorf("result %d (%s on %s): %w", i, f.RuleID, f.Resource.ID, err)
		}
		i++
		return nil
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n      ")
	bw.Write(frame[at:])
	return bw.Flush()
}

// sarifResultsKey is how the run's results array starts in the indented
// log (a key of the one run, six spaces in, where no string can hold a raw
// line break).
var sarifResultsKey = []byte("\n      \"results\": []")

// sarifResultFor tells whether a finding is a SARIF result: FAIL and ERROR
// findings, and suppressed SKIPs.
func sarifResultFor(f *finding.Finding) bool {
	return f.Status == finding.Fail || f.Status == finding.Error || f.Status == finding.Skip && f.Suppression != nil
}

func sarifRuleOf(rm ruleMeta) sarifRule {
	title := rm.Title
	if title == "" {
		title = rm.ID
	}
	sr := sarifRule{
		ID:                   rm.ID,
		Name:                 rm.Name,
		ShortDescription:     sarifText{Text: title},
		HelpURI:              rm.HelpURI,
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(rm.Risk)},
		Properties: sarifRuleProps{
			Risk:             rm.Risk,
			SecuritySeverity: securitySeverity(rm.Risk),
			Tags:             append([]string(nil), ruleTags...),
		},
	}
	if rm.Rationale != "" {
		sr.FullDescription = &sarifText{Text: rm.Rationale}
	}
	if rm.Remediation != "" {
		sr.Help = &sarifText{Text: rm.Remediation}
	}
	return sr
}

func sarifResultOf(f *finding.Finding, ruleIndex int) sarifResult {
	level := sarifLevel(f.Risk)
	if f.Status == finding.Error {
		// The rule could not decide: someone has to look, whatever the risk.
		level = "error"
	}
	text := f.Message
	if text == "" {
		text = f.Title
	}
	for _, p := range f.Problems {
		text += "\n- " + p
	}
	text = accountPrefix(f.Account) + text
	res := sarifResult{
		RuleID:    f.RuleID,
		RuleIndex: ruleIndex,
		Level:     level,
		Message:   sarifText{Text: text},
		Properties: sarifResultProps{
			Status:       f.Status,
			Risk:         f.Risk,
			ResourceType: f.Resource.Type,
			ResourceID:   f.Resource.ID,
			ResourceARN:  f.Resource.ARN,
			Staging:      f.Staging,
		},
	}
	if loc, ok := sarifLocationOf(f.Location, f.Resource); ok {
		res.Locations = []sarifLocation{loc}
	}
	if len(f.Behaviors) > 0 {
		res.Properties.Behaviors = behaviorPatterns(f)
	}
	if a := f.Account; a != nil {
		res.Properties.AccountID, res.Properties.AccountName = a.ID, a.Name
	}
	if f.Fingerprint != "" {
		res.PartialFingerprints = map[string]string{FingerprintKey: f.Fingerprint}
	}
	if f.Suppression != nil {
		res.Suppressions = []sarifSuppression{{
			Kind:          suppressionKind(f.Suppression.Source),
			Justification: f.Suppression.Reason,
		}}
	}
	return res
}

// sarifLocationOf places a result: in a file when the resource was read from
// one (IaC), and always by its resource name (ARN or ID) as a logical location.
func sarifLocationOf(l *finding.Location, res finding.Resource) (sarifLocation, bool) {
	var loc sarifLocation
	if l != nil && l.File != "" {
		loc.PhysicalLocation = sarifPhysicalOf(l)
	}
	if fqn := firstNonEmpty(res.ARN, res.ID); fqn != "" {
		loc.LogicalLocations = []sarifLogical{{Name: res.ID, FullyQualifiedName: fqn, Kind: "resource"}}
	}
	return loc, loc.PhysicalLocation != nil || loc.LogicalLocations != nil
}

func sarifPhysicalOf(l *finding.Location) *sarifPhysical {
	p := &sarifPhysical{ArtifactLocation: sarifArtifact{URI: artifactURI(l.File)}}
	if !strings.HasPrefix(p.ArtifactLocation.URI, "file:") {
		p.ArtifactLocation.URIBaseID = sarifSrcRoot
	}
	if l.StartLine > 0 {
		p.Region = &sarifRegion{StartLine: l.StartLine}
		if l.EndLine >= l.StartLine {
			p.Region.EndLine = l.EndLine
		}
	}
	return p
}

func sarifNotificationOf(e *finding.ScanError) sarifNotification {
	n := sarifNotification{Level: "error", Message: sarifText{Text: e.Message}}
	if n.Message.Text == "" {
		n.Message.Text = firstNonEmpty(e.Code, e.Operation, "scan error")
	}
	n.Message.Text = accountPrefix(e.Account) + n.Message.Text
	switch {
	case e.Location != nil && e.Location.File != "":
		n.Locations = []sarifLocation{{PhysicalLocation: sarifPhysicalOf(e.Location)}}
	case e.Resource != "":
		n.Locations = []sarifLocation{{LogicalLocations: []sarifLogical{{FullyQualifiedName: e.Resource, Kind: "resource"}}}}
	}
	if e.Operation != "" || e.Action != "" || e.Code != "" || e.Resource != "" {
		n.Properties = &sarifNotificationProps{Operation: e.Operation, Action: e.Action, Code: e.Code, Resource: e.Resource}
	}
	return n
}

// relativeURIs reports whether any location has a relative artifact URI.
func relativeURIs(results []sarifResult, notes []sarifNotification) bool {
	var locs []sarifLocation
	for _, r := range results {
		locs = append(locs, r.Locations...)
	}
	for _, n := range notes {
		locs = append(locs, n.Locations...)
	}
	for _, l := range locs {
		if l.PhysicalLocation != nil && l.PhysicalLocation.ArtifactLocation.URIBaseID != "" {
			return true
		}
	}
	return false
}

// artifactURI turns a file path into a SARIF artifact URI: forward slashes,
// relative paths kept relative (without a leading ./), absolute paths as
// file URIs, reserved characters percent-encoded.
func artifactURI(file string) string {
	p := filepath.ToSlash(file)
	p = strings.ReplaceAll(p, `\`, "/") // Windows paths written on another OS
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	if isWindowsAbs(p) {
		p = "/" + p
	}
	if strings.HasPrefix(p, "/") {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	return (&url.URL{Path: p}).String()
}

func isWindowsAbs(p string) bool {
	return len(p) >= 3 && p[1] == ':' && p[2] == '/' &&
		('a' <= p[0] && p[0] <= 'z' || 'A' <= p[0] && p[0] <= 'Z')
}

// sarifLevel maps a rule risk to a SARIF level.
func sarifLevel(risk string) string {
	switch strings.ToLower(risk) {
	case "high", "critical":
		return "error"
	case "low":
		return "note"
	default:
		return "warning"
	}
}

// securitySeverity maps a rule risk to GitHub's security-severity score.
func securitySeverity(risk string) string {
	switch strings.ToLower(risk) {
	case "critical":
		return "9.5"
	case "high":
		return "8.0"
	case "medium":
		return "5.5"
	case "low":
		return "3.0"
	}
	return ""
}

// suppressionKind says where a suppression lives: in the scanned source (a
// comment, annotation or tag next to the resource) or outside it (a config
// file, a command-line flag, a baseline).
func suppressionKind(source string) string {
	switch strings.ToLower(strings.TrimSpace(source)) {
	case "insource", "in-source", "inline", "comment", "annotation", "tag", "tags", "metadata":
		return "inSource"
	}
	return "external"
}

func sarifTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
