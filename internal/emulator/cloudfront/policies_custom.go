package cloudfront

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cloudassure/cloudassure/internal/emulator/core"
)

// Custom cache, origin request and response headers policies: Create, Get,
// GetConfig, Update (If-Match), Delete (If-Match; refused while a cache
// behavior uses the policy) and List (Type=managed|custom, markers). The
// three kinds differ only in their config document, names and error codes,
// so one generic implementation serves them; the managed policies of each
// kind are listed with the custom ones and cannot be changed or deleted.

// storedPolicy is a custom policy.
type storedPolicy[C any] struct {
	id, etag string
	modified time.Time
	cfg      C
}

// policyStore holds an account's custom policies of one kind.
type policyStore[C any] struct {
	byID  map[string]*storedPolicy[C]
	order []*storedPolicy[C] // creation order
}

// customPolicies are an account's custom policies of the three kinds.
type customPolicies struct {
	cache         policyStore[cfCachePolicyConfig]
	originRequest policyStore[cfOriginRequestPolicyConfig]
	respHeaders   policyStore[cfResponseHeadersPolicyConfig]
}

// policyKind describes one kind of policy.
type policyKind[C any] struct {
	path     string // the URL segment: cache-policy
	item     string // the policy element: CachePolicy
	noun     string // for messages: cache policy
	noSuch   string // error codes
	exists   string
	inUse    string
	name     func(*C) string
	setXmlns func(*C, string)
	check    func(*C) *cfError // validates and fills in defaults
	managed  func() []managedPolicy[C]
	usedBy   func(b cfBehavior) string // the policy ID a cache behavior names
	store    func(c *cloudFront) *policyStore[C]
}

var cachePolicyKind = &policyKind[cfCachePolicyConfig]{
	path: "cache-policy", item: "CachePolicy", noun: "cache policy",
	noSuch: "NoSuchCachePolicy", exists: "CachePolicyAlreadyExists", inUse: "CachePolicyInUse",
	name:     func(c *cfCachePolicyConfig) string { return c.Name },
	setXmlns: func(c *cfCachePolicyConfig, ns string) { c.Xmlns = ns },
	check:    checkCachePolicy,
	managed:  cfManagedCachePolicies,
	usedBy:   func(b cfBehavior) string { return b.cachePolicy },
	store:    func(c *cloudFront) *policyStore[cfCachePolicyConfig] { return &c.policies.cache },
}

var originRequestPolicyKind = &policyKind[cfOriginRequestPolicyConfig]{
	path: "origin-request-policy", item: "OriginRequestPolicy", noun: "origin request policy",
	noSuch: "NoSuchOriginRequestPolicy", exists: "OriginRequestPolicyAlreadyExists", inUse: "OriginRequestPolicyInUse",
	name:     func(c *cfOriginRequestPolicyConfig) string { return c.Name },
	setXmlns: func(c *cfOriginRequestPolicyConfig, ns string) { c.Xmlns = ns },
	check:    checkOriginRequestPolicy,
	managed:  cfManagedOriginRequestPolicies,
	usedBy:   func(b cfBehavior) string { return b.originRequestPolicy },
	store:    func(c *cloudFront) *policyStore[cfOriginRequestPolicyConfig] { return &c.policies.originRequest },
}

var responseHeadersPolicyKind = &policyKind[cfResponseHeadersPolicyConfig]{
	path: "response-headers-policy", item: "ResponseHeadersPolicy", noun: "response headers policy",
	noSuch: "NoSuchResponseHeadersPolicy", exists: "ResponseHeadersPolicyAlreadyExists", inUse: "ResponseHeadersPolicyInUse",
	name:     func(c *cfResponseHeadersPolicyConfig) string { return c.Name },
	setXmlns: func(c *cfResponseHeadersPolicyConfig, ns string) { c.Xmlns = ns },
	check:    checkResponseHeadersPolicy,
	managed:  cfManagedResponseHeadersPolicies,
	usedBy:   func(b cfBehavior) string { return b.responseHeadersPolicy },
	store:    func(c *cloudFront) *policyStore[cfResponseHeadersPolicyConfig] { return &c.policies.respHeaders },
}

// routePolicies serves the policy operations; ok is false when the path is
// not a policy path.
func (c *cloudFront) routePolicies(w http.ResponseWriter, r *http.Request, parts []string) (err *cfError, ok bool) {
	switch parts[0] {
	case cachePolicyKind.path:
		return servePolicy(c, cachePolicyKind, w, r, parts)
	case originRequestPolicyKind.path:
		return servePolicy(c, originRequestPolicyKind, w, r, parts)
	case responseHeadersPolicyKind.path:
		return servePolicy(c, responseHeadersPolicyKind, w, r, parts)
	}
	return nil, false
}

func servePolicy[C any](c *cloudFront, k *policyKind[C], w http.ResponseWriter, r *http.Request, parts []string) (*cfError, bool) {
	switch {
	case len(parts) == 1 && r.Method == http.MethodGet:
		return listPolicies(c, k, w, r), true
	case len(parts) == 1 && r.Method == http.MethodPost:
		return createPolicy(c, k, w, r), true
	case len(parts) == 2 && r.Method == http.MethodGet:
		return getPolicy(c, k, w, parts[1], false), true
	case len(parts) == 2 && r.Method == http.MethodPut:
		return updatePolicy(c, k, w, r, parts[1]), true
	case len(parts) == 2 && r.Method == http.MethodDelete:
		return deletePolicy(c, k, w, r, parts[1]), true
	case len(parts) == 3 && parts[2] == "config" && r.Method == http.MethodGet:
		return getPolicy(c, k, w, parts[1], true), true
	}
	return nil, false
}

// policyOperation names the policy operation of a request, "" when it is
// none.
func policyOperation(r *http.Request, parts []string) string {
	var noun string
	switch parts[0] {
	case cachePolicyKind.path:
		noun = "CachePolicy"
	case originRequestPolicyKind.path:
		noun = "OriginRequestPolicy"
	case responseHeadersPolicyKind.path:
		noun = "ResponseHeadersPolicy"
	default:
		return ""
	}
	switch {
	case len(parts) == 1 && r.Method == http.MethodGet:
		return "List" + strings.TrimSuffix(noun, "y") + "ies" // ListCachePolicies
	case len(parts) == 1 && r.Method == http.MethodPost:
		return "Create" + noun
	case len(parts) == 2 && r.Method == http.MethodGet:
		return "Get" + noun
	case len(parts) == 2 && r.Method == http.MethodPut:
		return "Update" + noun
	case len(parts) == 2 && r.Method == http.MethodDelete:
		return "Delete" + noun
	case len(parts) == 3 && r.Method == http.MethodGet:
		return "Get" + noun + "Config"
	}
	return ""
}

// policyXML is a policy document: CachePolicy, OriginRequestPolicy or
// ResponseHeadersPolicy (the element name is set at run time; the config
// element takes its name from C).
type policyXML[C any] struct {
	XMLName          xml.Name
	Xmlns            string `xml:"xmlns,attr,omitempty"`
	Id               string
	LastModifiedTime string
	Config           C
}

type policySummaryXML[C any] struct {
	XMLName xml.Name
	Type    string
	Policy  policyXML[C]
}

type policyListXML[C any] struct {
	XMLName    xml.Name
	Xmlns      string `xml:"xmlns,attr"`
	NextMarker string `xml:",omitempty"`
	MaxItems   int
	Quantity   int
	Items      *struct {
		Summaries []policySummaryXML[C]
	} `xml:",omitempty"`
}

func newPolicyID(c *cloudFront) string {
	const hex = "0123456789abcdef"
	return c.s.RandomID(hex, 8) + "-" + c.s.RandomID(hex, 4) + "-" + c.s.RandomID(hex, 4) + "-" +
		c.s.RandomID(hex, 4) + "-" + c.s.RandomID(hex, 12)
}

func noSuchPolicy[C any](k *policyKind[C]) *cfError {
	return cfErr(http.StatusNotFound, k.noSuch, "The %s does not exist.", k.noun)
}

// findManaged returns the managed policy with the ID, if any.
func findManaged[C any](k *policyKind[C], id string) (managedPolicy[C], bool) {
	for _, m := range k.managed() {
		if m.id == id {
			return m, true
		}
	}
	return managedPolicy[C]{}, false
}

// policyExists reports whether an account has (or AWS manages) the
// policy. Call with c.mu held.
func policyExists[C any](c *cloudFront, k *policyKind[C], id string) bool {
	if _, ok := findManaged(k, id); ok {
		return true
	}
	_, ok := k.store(c).byID[id]
	return ok
}

// checkPolicyReferences checks that the policies a cache behavior names
// exist. Call with c.mu held.
func (c *cloudFront) checkPolicyReferences(b cfBehavior) *cfError {
	if id := b.cachePolicy; id != "" && !policyExists(c, cachePolicyKind, id) {
		return noSuchPolicy(cachePolicyKind)
	}
	if id := b.originRequestPolicy; id != "" && !policyExists(c, originRequestPolicyKind, id) {
		return noSuchPolicy(originRequestPolicyKind)
	}
	if id := b.responseHeadersPolicy; id != "" && !policyExists(c, responseHeadersPolicyKind, id) {
		return noSuchPolicy(responseHeadersPolicyKind)
	}
	return nil
}

func (k *policyKind[C]) document(id string, modified time.Time, cfg C, top bool) policyXML[C] {
	out := policyXML[C]{XMLName: xml.Name{Local: k.item}, Id: id, LastModifiedTime: cfTime(modified), Config: cfg}
	if top {
		out.Xmlns = cloudFrontNS
	}
	return out
}

func writePolicy[C any](k *policyKind[C], w http.ResponseWriter, status int, etag, id string, modified time.Time, cfg C, configOnly bool) {
	w.Header().Set("ETag", etag)
	if configOnly {
		k.setXmlns(&cfg, cloudFrontNS)
		core.WriteXML(w, status, cfg)
		return
	}
	core.WriteXML(w, status, k.document(id, modified, cfg, true))
}

func getPolicy[C any](c *cloudFront, k *policyKind[C], w http.ResponseWriter, id string, configOnly bool) *cfError {
	if m, ok := findManaged(k, id); ok {
		writePolicy(k, w, http.StatusOK, cfManagedETag(m.id), m.id, cfManagedPolicyTime, m.cfg, configOnly)
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := k.store(c).byID[id]
	if !ok {
		return noSuchPolicy(k)
	}
	writePolicy(k, w, http.StatusOK, p.etag, p.id, p.modified, p.cfg, configOnly)
	return nil
}

// readPolicyConfig reads, checks and completes a config document.
func readPolicyConfig[C any](k *policyKind[C], r *http.Request) (C, *cfError) {
	var cfg C
	body, err := cfReadBody(r)
	if err != nil {
		return cfg, err
	}
	var doc struct{ XMLName xml.Name }
	if err := xml.Unmarshal(body, &doc); err != nil {
		return cfg, cfMalformedXML(err)
	}
	root := k.item + "Config"
	if doc.XMLName.Local != root || doc.XMLName.Space != cloudFrontNS {
		return cfg, cfMalformedXML(fmt.Errorf("root element must be %s in namespace %s", root, cloudFrontNS))
	}
	if err := checkQuantities(body); err != nil {
		return cfg, err
	}
	if err := xml.Unmarshal(body, &cfg); err != nil {
		return cfg, cfMalformedXML(err)
	}
	k.setXmlns(&cfg, "")
	if err := k.check(&cfg); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// nameTaken reports whether another custom policy of the kind has the
// name. Call with c.mu held.
func nameTaken[C any](c *cloudFront, k *policyKind[C], name, self string) bool {
	for _, p := range k.store(c).order {
		if p.id != self && k.name(&p.cfg) == name {
			return true
		}
	}
	return false
}

func createPolicy[C any](c *cloudFront, k *policyKind[C], w http.ResponseWriter, r *http.Request) *cfError {
	cfg, err := readPolicyConfig(k, r)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if nameTaken(c, k, k.name(&cfg), "") {
		return cfErr(http.StatusConflict, k.exists, "A %s with this name already exists. You must provide a unique name.", k.noun)
	}
	st := k.store(c)
	if st.byID == nil {
		st.byID = map[string]*storedPolicy[C]{}
	}
	var id string
	for id == "" || st.byID[id] != nil {
		id = newPolicyID(c)
	}
	p := &storedPolicy[C]{id: id, etag: c.newETag(), modified: c.s.Now(), cfg: cfg}
	st.byID[id] = p
	st.order = append(st.order, p)
	w.Header().Set("Location", "https://cloudfront.amazonaws.com/2020-05-31/"+k.path+"/"+id)
	writePolicy(k, w, http.StatusCreated, p.etag, p.id, p.modified, p.cfg, false)
	return nil
}

// policyIfMatch applies CloudFront's optimistic locking to a policy.
func policyIfMatch(r *http.Request, etag string) *cfError {
	m := r.Header.Get("If-Match")
	if m == "" {
		return cfErr(http.StatusBadRequest, "InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.")
	}
	if m != etag {
		return cfErr(http.StatusPreconditionFailed, "PreconditionFailed", "The precondition given in one or more of the request-header fields evaluated to false.")
	}
	return nil
}

func updatePolicy[C any](c *cloudFront, k *policyKind[C], w http.ResponseWriter, r *http.Request, id string) *cfError {
	if _, ok := findManaged(k, id); ok {
		return cfErr(http.StatusBadRequest, "IllegalUpdate", "A managed %s cannot be updated.", k.noun)
	}
	cfg, err := readPolicyConfig(k, r)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := k.store(c).byID[id]
	if !ok {
		return noSuchPolicy(k)
	}
	if err := policyIfMatch(r, p.etag); err != nil {
		return err
	}
	if nameTaken(c, k, k.name(&cfg), id) {
		return cfErr(http.StatusConflict, k.exists, "A %s with this name already exists. You must provide a unique name.", k.noun)
	}
	p.cfg = cfg
	p.etag = c.newETag()
	p.modified = c.s.Now()
	writePolicy(k, w, http.StatusOK, p.etag, p.id, p.modified, p.cfg, false)
	return nil
}

func deletePolicy[C any](c *cloudFront, k *policyKind[C], w http.ResponseWriter, r *http.Request, id string) *cfError {
	if _, ok := findManaged(k, id); ok {
		return cfErr(http.StatusBadRequest, "IllegalDelete", "A managed %s cannot be deleted.", k.noun)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := k.store(c)
	p, ok := st.byID[id]
	if !ok {
		return noSuchPolicy(k)
	}
	if err := policyIfMatch(r, p.etag); err != nil {
		return err
	}
	for _, d := range c.order {
		for _, b := range d.cfg.behaviors {
			if k.usedBy(b) == id {
				return cfErr(http.StatusConflict, k.inUse, "Cannot delete the %s because it is attached to one or more cache behaviors (distribution %s).", k.noun, d.id)
			}
		}
	}
	delete(st.byID, id)
	st.order = slices.DeleteFunc(st.order, func(q *storedPolicy[C]) bool { return q == p })
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listPolicies lists the managed policies, then the custom ones in
// creation order; Type keeps one kind. The marker is the ID of the last
// policy of the previous page.
func listPolicies[C any](c *cloudFront, k *policyKind[C], w http.ResponseWriter, r *http.Request) *cfError {
	q := r.URL.Query()
	var managed, custom bool
	switch t := q.Get("Type"); t {
	case "":
		managed, custom = true, true
	case "managed":
		managed = true
	case "custom":
		custom = true
	default:
		return cfInvalidArgument("Type must be managed or custom, got %q.", t)
	}
	type entry struct {
		typ string
		doc policyXML[C]
	}
	var all []entry
	if managed {
		for _, m := range k.managed() {
			all = append(all, entry{"managed", k.document(m.id, cfManagedPolicyTime, m.cfg, false)})
		}
	}
	if custom {
		c.mu.Lock()
		for _, p := range k.store(c).order {
			all = append(all, entry{"custom", k.document(p.id, p.modified, p.cfg, false)})
		}
		c.mu.Unlock()
	}
	ids := make([]string, len(all))
	for i, e := range all {
		ids[i] = e.doc.Id
	}
	start, end, next, err := cfPolicyPage(ids, q.Get("Marker"), q.Get("MaxItems"))
	if err != nil {
		return err
	}
	size, _ := cfPageSize(q.Get("MaxItems"))
	out := policyListXML[C]{XMLName: xml.Name{Local: k.item + "List"}, Xmlns: cloudFrontNS, NextMarker: next, MaxItems: size, Quantity: end - start}
	if end > start {
		out.Items = &struct{ Summaries []policySummaryXML[C] }{}
		for _, e := range all[start:end] {
			out.Items.Summaries = append(out.Items.Summaries, policySummaryXML[C]{
				XMLName: xml.Name{Local: k.item + "Summary"}, Type: e.typ, Policy: e.doc,
			})
		}
	}
	core.WriteXML(w, http.StatusOK, out)
	return nil
}

// cfPolicyPage cuts one page out of a list of IDs: the marker is the ID of
// the last item of the previous page. It returns the start and end indexes
// and the next marker.
func cfPolicyPage(ids []string, marker, maxItems string) (start, end int, next string, err *cfError) {
	size, err := cfPageSize(maxItems)
	if err != nil {
		return 0, 0, "", err
	}
	if marker != "" {
		start = -1
		for i, id := range ids {
			if id == marker {
				start = i + 1
			}
		}
		if start < 0 {
			return 0, 0, "", cfInvalidArgument("The marker %q is not valid.", marker)
		}
	}
	end = min(start+size, len(ids))
	if end < len(ids) {
		next = ids[end-1]
	}
	return start, end, next, nil
}

// checkPolicyNameComment checks what every policy kind requires of its
// Name and Comment.
func checkPolicyNameComment(name string, comment *string) *cfError {
	if strings.TrimSpace(name) == "" {
		return cfInvalidArgument("The parameter Name is required.")
	}
	if comment != nil && utf8.RuneCountInString(*comment) > 128 {
		return cfInvalidArgument("The parameter Comment is too long: up to 128 characters.")
	}
	return nil
}

func checkBehavior(member, got string, valid ...string) *cfError {
	if !slices.Contains(valid, got) {
		return cfInvalidArgument("%s must be one of %s, got %q.", member, strings.Join(valid, ", "), got)
	}
	return nil
}

// checkCachePolicy checks a CachePolicyConfig and fills in the TTLs the
// API reference defaults: DefaultTTL 86400 (MinTTL when that is more),
// MaxTTL 31536000 (DefaultTTL when that is more).
func checkCachePolicy(c *cfCachePolicyConfig) *cfError {
	if err := checkPolicyNameComment(c.Name, c.Comment); err != nil {
		return err
	}
	if c.MinTTL == nil {
		return cfInvalidArgument("The parameter MinTTL is required.")
	}
	if c.DefaultTTL == nil {
		c.DefaultTTL = ptr(max(int64(86400), *c.MinTTL))
	}
	if c.MaxTTL == nil {
		c.MaxTTL = ptr(max(int64(31536000), *c.DefaultTTL))
	}
	if *c.MinTTL < 0 || *c.MinTTL > *c.DefaultTTL || *c.DefaultTTL > *c.MaxTTL {
		return cfInvalidArgument("The TTLs must satisfy 0 <= MinTTL <= DefaultTTL <= MaxTTL.")
	}
	p := c.ParametersInCacheKeyAndForwardedToOrigin
	if p == nil {
		return nil
	}
	switch {
	case p.EnableAcceptEncodingGzip == nil:
		return cfInvalidArgument("The parameter EnableAcceptEncodingGzip is required.")
	case p.HeadersConfig == nil:
		return cfInvalidArgument("The parameter HeadersConfig is required.")
	case p.CookiesConfig == nil:
		return cfInvalidArgument("The parameter CookiesConfig is required.")
	case p.QueryStringsConfig == nil:
		return cfInvalidArgument("The parameter QueryStringsConfig is required.")
	}
	if err := checkBehavior("HeaderBehavior", p.HeadersConfig.HeaderBehavior, "none", "whitelist"); err != nil {
		return err
	}
	if err := checkBehavior("CookieBehavior", p.CookiesConfig.CookieBehavior, "none", "whitelist", "allExcept", "all"); err != nil {
		return err
	}
	return checkBehavior("QueryStringBehavior", p.QueryStringsConfig.QueryStringBehavior, "none", "whitelist", "allExcept", "all")
}

// checkOriginRequestPolicy checks an OriginRequestPolicyConfig.
func checkOriginRequestPolicy(c *cfOriginRequestPolicyConfig) *cfError {
	if err := checkPolicyNameComment(c.Name, c.Comment); err != nil {
		return err
	}
	switch {
	case c.HeadersConfig == nil:
		return cfInvalidArgument("The parameter HeadersConfig is required.")
	case c.CookiesConfig == nil:
		return cfInvalidArgument("The parameter CookiesConfig is required.")
	case c.QueryStringsConfig == nil:
		return cfInvalidArgument("The parameter QueryStringsConfig is required.")
	}
	if err := checkBehavior("HeaderBehavior", c.HeadersConfig.HeaderBehavior, "none", "whitelist", "allViewer", "allViewerAndWhitelistCloudFront", "allExcept"); err != nil {
		return err
	}
	if err := checkBehavior("CookieBehavior", c.CookiesConfig.CookieBehavior, "none", "whitelist", "all", "allExcept"); err != nil {
		return err
	}
	return checkBehavior("QueryStringBehavior", c.QueryStringsConfig.QueryStringBehavior, "none", "whitelist", "all", "allExcept")
}
