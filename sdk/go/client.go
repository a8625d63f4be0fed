// Package caracal is the Caracal SDK for Go: agent sessions (Spawn), Gateway requests and an
// http.RoundTripper that carries Caracal authority and audit context. Standard library only.
package caracal

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// Client serves one application; safe for concurrent use. The current session travels in the
// context.Context that Spawn hands its function.
type Client struct {
	Profile  *Profile
	tokenTTL int64
	http     *http.Client
	sts      *stsClient
}

// Option configures New.
type Option func(*options)

type options struct {
	configPath string
	profile    *Profile
	lookup     func(string) (string, bool)
	tokenTTL   time.Duration
	timeout    time.Duration
	http       *http.Client
}

// WithConfig reads the profile from this file instead of resolving it.
func WithConfig(path string) Option { return func(o *options) { o.configPath = path } }

// WithProfile uses an already loaded profile.
func WithProfile(p *Profile) Option { return func(o *options) { o.profile = p } }

// WithEnv resolves the profile from these variables instead of the process environment.
func WithEnv(env map[string]string) Option {
	return func(o *options) {
		o.lookup = func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	}
}

// WithTokenTTL asks for resource tokens of this lifetime (the STS caps it at 15 minutes and at
// the session's end).
func WithTokenTTL(d time.Duration) Option { return func(o *options) { o.tokenTTL = d } }

// WithTimeout bounds each STS call (default 30 s).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithHTTPClient is the client used for STS calls (default: a new http.Client).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.http = c } }

// New resolves the runtime profile (CARACAL_CONFIG, then CARACAL_* variables, then
// $XDG_CONFIG_HOME/caracal/caracal.toml) and returns a client, or a KindConfig *Error naming what
// is missing or wrong.
func New(opts ...Option) (*Client, error) {
	o := options{timeout: 30 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	var err error
	profile := o.profile
	switch {
	case profile != nil:
	case o.configPath != "":
		profile, err = LoadProfile(o.configPath)
	default:
		profile, err = ResolveProfile(o.lookup)
	}
	if err != nil {
		return nil, err
	}
	if o.tokenTTL < 0 || (o.tokenTTL > 0 && o.tokenTTL < time.Second) {
		return nil, configError("WithTokenTTL must be at least one second")
	}
	if o.http == nil {
		o.http = &http.Client{}
	}
	return &Client{Profile: profile, tokenTTL: int64(o.tokenTTL / time.Second), http: o.http,
		sts: newSTSClient(profile.STSURL, profile.ApplicationID, profile.Secret, o.timeout, o.http)}, nil
}

// SessionTokenEnv is the variable in which `caracal run` hands its child process the token of
// the agent session it opened. When it is set, a top-level Spawn (unless WithGrant(None())) opens
// its session delegated from that one, so ending the run's session ends the SDK's sessions too.
const SessionTokenEnv = "CARACAL_SESSION_TOKEN"

// SpawnOption configures one Spawn.
type SpawnOption func(*spawnOptions)

type spawnOptions struct {
	grant     *Grant
	ttl       time.Duration
	scopes    []string
	resources []string
	labels    []string
}

// WithGrant chooses how a nested spawn (or a top-level one under `caracal run`) delegates:
// Inherit() (default), Narrow(...) or None().
func WithGrant(g Grant) SpawnOption { return func(o *spawnOptions) { o.grant = &g } }

// WithSessionTTL sets the session's lifetime (default: the profile's ttl_seconds at the top level).
func WithSessionTTL(d time.Duration) SpawnOption { return func(o *spawnOptions) { o.ttl = d } }

// WithScopes bounds the session's scopes explicitly.
func WithScopes(scopes ...string) SpawnOption { return func(o *spawnOptions) { o.scopes = scopes } }

// WithResources bounds the session's resources explicitly.
func WithResources(resources ...string) SpawnOption {
	return func(o *spawnOptions) { o.resources = resources }
}

// WithLabels labels the session.
func WithLabels(labels ...string) SpawnOption { return func(o *spawnOptions) { o.labels = labels } }

// Spawn opens an agent session, runs fn with a context that carries it, and ends the session
// (revoking its tokens) when fn returns or panics. It returns fn's error. Inside another Spawn
// (ctx carries a session) it opens a child: delegated with the WithGrant grant (Inherit by
// default, or Narrow), or independent with None. At the top level under `caracal run`
// (CARACAL_SESSION_TOKEN set, read at each Spawn) the session is likewise delegated from the
// run's session unless the grant is None. The profile's tokens are obtained before fn runs.
//
// Errors: a KindSTS *Error when the STS refuses the session; when fn succeeded but the session
// cannot be ended, a KindSessionEnd *Error.
func (c *Client) Spawn(ctx context.Context, fn func(ctx context.Context) error, opts ...SpawnOption) (err error) {
	var o spawnOptions
	for _, opt := range opts {
		opt(&o)
	}
	parent := SessionFrom(ctx)
	session, err := c.open(ctx, parent, o)
	if err != nil {
		return err
	}
	ended := false
	defer func() {
		if ended {
			return
		}
		// fn panicked: end the session, then let the panic go on
		_ = c.end(context.Background(), session)
	}()
	c.prefetch(ctx, session)
	fnErr := fn(context.WithValue(ctx, sessionKey{}, session))
	ended = true
	endErr := c.end(context.Background(), session)
	if fnErr != nil {
		return fnErr
	}
	if endErr != nil {
		var ce *Error
		e := &Error{Kind: KindSessionEnd, Err: endErr,
			Message: fmt.Sprintf("caracal: could not end session `%s`; its authority lasts until it expires: %v", session.ID, endErr)}
		if asError(endErr, &ce) {
			e.Reason, e.RequestID, e.Status, e.Code = ce.Reason, ce.RequestID, ce.Status, ce.Code
		}
		return e
	}
	return nil
}

// CurrentSession is the session bound in ctx, or nil (same as SessionFrom).
func (c *Client) CurrentSession(ctx context.Context) *Session { return SessionFrom(ctx) }

// GatewayRequest is where and how to call a resource through the Gateway.
type GatewayRequest struct {
	URL        string
	Header     http.Header // X-Caracal-Resource, Authorization, traceparent, baggage
	ResourceID string
	Path       string
}

// NewRequest builds an *http.Request for it with the given method and body.
func (g *GatewayRequest) NewRequest(ctx context.Context, method string, body interface{ Read([]byte) (int, error) }) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, g.URL, body)
	if err != nil {
		return nil, err
	}
	for k, v := range g.Header {
		req.Header[k] = append([]string(nil), v...)
	}
	return req, nil
}

// GatewayRequest returns the Gateway URL and headers for calling path on resourceID in the
// session carried by ctx, with a token from the session's cache (refreshed before it expires).
// scopes defaults to the profile credential's scopes (kept within the session's), or the
// session's scopes.
//
// Errors: ErrNoSession outside Spawn, a KindConfig *Error without a Gateway URL or known scopes,
// the KindSTS *Error of a refused token exchange.
func (c *Client) GatewayRequest(ctx context.Context, resourceID, path string, scopes ...string) (*GatewayRequest, error) {
	session := SessionFrom(ctx)
	if session == nil {
		return nil, noSession("GatewayRequest")
	}
	gateway, err := c.GatewayURL()
	if err != nil {
		return nil, err
	}
	if len(scopes) == 0 {
		if scopes, err = c.defaultScopes(session, resourceID); err != nil {
			return nil, err
		}
	}
	token, err := session.tokens.get(ctx, resourceID, scopes, "")
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	h := http.Header{}
	h.Set("X-Caracal-Resource", resourceID)
	h.Set("Authorization", "Bearer "+token)
	h.Set("traceparent", session.Traceparent())
	h.Set("baggage", session.Baggage())
	return &GatewayRequest{URL: gateway + path, Header: h, ResourceID: resourceID, Path: path}, nil
}

// Token returns a token for resourceID in the session carried by ctx.
func (c *Client) Token(ctx context.Context, resourceID string, scopes ...string) (string, error) {
	session := SessionFrom(ctx)
	if session == nil {
		return "", noSession("Token")
	}
	if len(scopes) == 0 {
		var err error
		if scopes, err = c.defaultScopes(session, resourceID); err != nil {
			return "", err
		}
	}
	return session.tokens.get(ctx, resourceID, scopes, "")
}

// GatewayURL is the Gateway's base URL without a trailing slash.
func (c *Client) GatewayURL() (string, error) {
	if c.Profile.GatewayURL == "" {
		return "", configError("no gateway url: set `gateway_url` in the runtime profile or CARACAL_GATEWAY_URL")
	}
	return strings.TrimRight(c.Profile.GatewayURL, "/"), nil
}

func (c *Client) defaultScopes(session *Session, resourceID string) ([]string, error) {
	for _, cred := range c.Profile.Credentials {
		if cred.Resource != resourceID {
			continue
		}
		if len(session.Scopes) > 0 {
			var kept []string
			for _, s := range cred.Scopes {
				if contains(session.Scopes, s) {
					kept = append(kept, s)
				}
			}
			if len(kept) > 0 {
				return kept, nil
			}
			return append([]string(nil), session.Scopes...), nil
		}
		return append([]string(nil), cred.Scopes...), nil
	}
	if len(session.Scopes) > 0 {
		return append([]string(nil), session.Scopes...), nil
	}
	return nil, configError("no scopes known for `%s`: add a [[credentials]] entry for it to the profile "+
		"(`caracal setup` writes one), spawn with WithScopes, or pass scopes", resourceID)
}

func (c *Client) open(ctx context.Context, parent *Session, o spawnOptions) (*Session, error) {
	scopes, resources, ttl := o.scopes, o.resources, int64(o.ttl/time.Second)
	mode := grantInherit
	if o.grant != nil {
		mode = o.grant.mode
		if mode == grantNarrow {
			if len(o.grant.scopes) > 0 {
				scopes = o.grant.scopes
			}
			if len(o.grant.resources) > 0 {
				resources = o.grant.resources
			}
			if o.grant.ttl > 0 {
				ttl = int64(o.grant.ttl / time.Second)
			}
		}
	}
	// under `caracal run` a top-level session is delegated from the run's session, so ending
	// that session ends this one too; None opts out
	runToken := ""
	if parent == nil && mode != grantNone {
		runToken = os.Getenv(SessionTokenEnv)
	}
	delegate := (parent != nil || runToken != "") && mode != grantNone
	if parent == nil {
		if mode != grantNone {
			// a top-level session holds no more than the profile's credentials
			if len(scopes) == 0 {
				for _, cred := range c.Profile.Credentials {
					for _, s := range cred.Scopes {
						if !contains(scopes, s) {
							scopes = append(scopes, s)
						}
					}
				}
			}
			if len(resources) == 0 {
				for _, cred := range c.Profile.Credentials {
					if !contains(resources, cred.Resource) {
						resources = append(resources, cred.Resource)
					}
				}
			}
		}
		if ttl == 0 {
			ttl = c.Profile.TTLSeconds
		}
	} else if !delegate {
		remaining := int64(parent.TimeLeft() / time.Second)
		if remaining <= 0 {
			return nil, &Error{Kind: KindSTS, Reason: "session_expired",
				Message: fmt.Sprintf("caracal: cannot spawn: the parent session `%s` has expired", parent.ID)}
		}
		if ttl == 0 {
			ttl = c.Profile.TTLSeconds
		}
		if ttl > remaining {
			ttl = remaining
		}
	}
	traceID := randomHex(16)
	if parent != nil {
		traceID = parent.TraceID
	}
	req := openSessionRequest{TTLSeconds: ttl, Scopes: scopes, Resources: resources, Labels: o.labels}
	what := "cannot open a session"
	switch {
	case delegate && parent != nil:
		req.ParentSessionToken = parent.token
		what = "cannot open a delegated session"
	case delegate:
		req.ParentSessionToken = runToken
		what = "cannot open a session delegated from the `caracal run` session (" + SessionTokenEnv + ")"
	}
	body, err := c.sts.openSession(ctx, req, what, "00-"+traceID+"-"+randomHex(8)+"-01")
	if err != nil {
		return nil, err
	}
	id, token := str(body, "session_id"), str(body, "session_token")
	if id == "" || token == "" {
		return nil, &Error{Kind: KindSTS, Reason: "sts_bad_response", Message: "caracal: cannot open a session: the sts answered without a session id and token"}
	}
	expiresIn := float64(ttl)
	if v, ok := body["expires_in"].(float64); ok {
		expiresIn = v
	}
	s := &Session{ID: id, RootID: id, TraceID: traceID, Delegated: delegate, Parent: parent, token: token,
		Scopes: strings_(body["scopes"]), Resources: strings_(body["resources"]),
		deadline: time.Now().Add(time.Duration(expiresIn * float64(time.Second)))}
	if v := str(body, "root_session_id"); v != "" {
		s.RootID = v
	}
	if v, ok := body["depth"].(float64); ok {
		s.Depth = int(v)
	}
	if parent != nil {
		s.Hop = parent.Hop + 1 // hops count spawns within this process; Depth counts the run session too
	}
	if v := str(body, "expires_at"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			s.ExpiresAt = t
		}
	}
	s.tokens = newTokenCache(func(ctx context.Context, resource string, scopes []string) (string, time.Duration, error) {
		body, err := c.sts.exchange(ctx, token, resource, scopes, c.tokenTTL, "00-"+traceID+"-"+randomHex(8)+"-01")
		if err != nil {
			return "", 0, err
		}
		access := str(body, "access_token")
		if access == "" {
			return "", 0, &Error{Kind: KindSTS, Reason: "sts_bad_response",
				Message: fmt.Sprintf("caracal: cannot get a token for `%s`: the sts answered without an access_token", resource)}
		}
		lifetime := 60.0
		if v, ok := body["expires_in"].(float64); ok {
			lifetime = v
		}
		return access, time.Duration(lifetime * float64(time.Second)), nil
	})
	return s, nil
}

// prefetch obtains the profile credentials' tokens before fn runs; failures surface on use.
func (c *Client) prefetch(ctx context.Context, session *Session) {
	var wg sync.WaitGroup
	for _, cred := range c.Profile.Credentials {
		if len(session.Resources) > 0 && !contains(session.Resources, cred.Resource) {
			continue
		}
		scopes := cred.Scopes
		if len(session.Scopes) > 0 {
			scopes = nil
			for _, s := range cred.Scopes {
				if contains(session.Scopes, s) {
					scopes = append(scopes, s)
				}
			}
		}
		if len(scopes) == 0 {
			continue
		}
		wg.Add(1)
		go func(resource string, scopes []string) {
			defer wg.Done()
			_, _ = session.tokens.get(ctx, resource, scopes, "")
		}(cred.Resource, scopes)
	}
	wg.Wait()
}

func (c *Client) end(ctx context.Context, session *Session) error {
	session.tokens.close()
	err := c.sts.endSession(ctx, session.ID, session.Traceparent())
	var ce *Error
	if err != nil && asError(err, &ce) && ce.Status == http.StatusNotFound {
		return nil // already gone with an ancestor
	}
	return err
}

func strings_(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, item := range list {
		if s, ok := item.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
