package caracal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

type grantMode int

const (
	grantInherit grantMode = iota
	grantNarrow
	grantNone
)

// Grant says what a nested Spawn hands its child session.
//
//   - Inherit() (the default): a delegated child holding the parent's scopes and resources.
//   - Narrow(scopes, resource, ttl): a delegated child holding only that subset. The STS refuses
//     (invalid_scope / invalid_target) a child that asks for more than its parent holds, so a
//     narrowed grant can never widen.
//   - None(): no delegation: an independent session under the app's own policy, capped at the
//     parent's remaining lifetime, sharing the parent's trace.
//
// At the top level Inherit bounds the session to the profile's credentials, Narrow to the given
// subset, and None leaves it unbounded. Under `caracal run` (CARACAL_SESSION_TOKEN set) a
// top-level Inherit or Narrow session is delegated from the run's session; None stays
// independent of it.
type Grant struct {
	mode      grantMode
	scopes    []string
	resources []string
	ttl       time.Duration
}

// Inherit delegates the parent's authority unchanged.
func Inherit() Grant { return Grant{mode: grantInherit} }

// None opens an independent, non-delegated session.
func None() Grant { return Grant{mode: grantNone} }

// Narrow delegates only the given scopes and resource (either may be empty to keep the
// parent's) for at most ttl (0 keeps the default lifetime).
func Narrow(scopes []string, resource string, ttl time.Duration) Grant {
	g := Grant{mode: grantNarrow, scopes: append([]string(nil), scopes...), ttl: ttl}
	if resource != "" {
		g.resources = []string{resource}
	}
	return g
}

// Session is an open agent session, bound in the context inside Spawn. Scopes and Resources are
// what the STS granted (empty: not bounded by the session); Depth is the delegation depth, Hop
// the number of spawns from the root (sent as baggage).
type Session struct {
	ID        string
	RootID    string
	Depth     int
	Hop       int
	Scopes    []string
	Resources []string
	ExpiresAt time.Time // zero when the STS did not say
	TraceID   string
	Delegated bool
	Parent    *Session

	token    string
	deadline time.Time
	tokens   *tokenCache
}

// Token is the session token (a JWT); handle with care.
func (s *Session) Token() string { return s.token }

// TimeLeft is how long the session has until it expires, by this process's clock.
func (s *Session) TimeLeft() time.Duration {
	if d := time.Until(s.deadline); d > 0 {
		return d
	}
	return 0
}

// Traceparent is a W3C traceparent in the session's trace with a new span id.
func (s *Session) Traceparent() string { return "00-" + s.TraceID + "-" + randomHex(8) + "-01" }

// Baggage holds the W3C baggage members that carry the session: id and hop.
func (s *Session) Baggage() string {
	return "caracal.session_id=" + s.ID + ",caracal.hop=" + itoa(s.Hop)
}

// String leaves the token out.
func (s *Session) String() string {
	return "Session{id=" + s.ID + " root=" + s.RootID + " depth=" + itoa(s.Depth) + " hop=" + itoa(s.Hop) +
		" scopes=[" + strings.Join(s.Scopes, " ") + "] resources=[" + strings.Join(s.Resources, " ") + "]}"
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

type sessionKey struct{}

// SessionFrom returns the agent session bound in ctx by Spawn, or nil.
func SessionFrom(ctx context.Context) *Session {
	s, _ := ctx.Value(sessionKey{}).(*Session)
	return s
}

// --- resource tokens ---

const (
	maxRefreshMargin = 30 * time.Second
	tokenFloor       = 250 * time.Millisecond // closer than this to expiry a token is not handed out
	keptTokens       = 256
)

type tokenFetch func(ctx context.Context, resource string, scopes []string) (token string, lifetime time.Duration, err error)

type tokenEntry struct {
	token     string
	refreshAt time.Time
	expiresAt time.Time
}

type tokenCall struct {
	done  chan struct{}
	token string
	err   error
}

type issuedKey struct {
	resource string
	scopes   []string
}

// tokenCache holds one session's resource tokens keyed by (resource, scopes). A token is reused
// until a refresh margin before it expires (a fifth of its lifetime, at most 30 s); a timer
// refreshes it then. One fetch per key at a time.
type tokenCache struct {
	fetch    tokenFetch
	mu       sync.Mutex
	entries  map[string]tokenEntry
	inflight map[string]*tokenCall
	timers   map[string]*time.Timer
	issued   map[string]issuedKey
	order    []string
	closed   bool
	bg       context.Context
	cancel   context.CancelFunc
}

func newTokenCache(fetch tokenFetch) *tokenCache {
	bg, cancel := context.WithCancel(context.Background())
	return &tokenCache{fetch: fetch, entries: map[string]tokenEntry{}, inflight: map[string]*tokenCall{},
		timers: map[string]*time.Timer{}, issued: map[string]issuedKey{}, bg: bg, cancel: cancel}
}

func cacheKey(resource string, scopes []string) string {
	return resource + "\n" + strings.Join(scopes, " ")
}

// get returns a valid token, waiting for the STS when none is at hand; stale names a token the
// Gateway just refused as expired.
func (c *tokenCache) get(ctx context.Context, resource string, scopes []string, stale string) (string, error) {
	key := cacheKey(resource, scopes)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return "", &Error{Kind: KindNoSession, Reason: "session_ended", Message: "caracal: the agent session has ended"}
	}
	now := time.Now()
	if e, ok := c.entries[key]; ok && e.token != stale {
		if now.Before(e.refreshAt) {
			c.mu.Unlock()
			return e.token, nil
		}
		if now.Before(e.expiresAt.Add(-tokenFloor)) {
			c.startLocked(key, resource, scopes)
			c.mu.Unlock()
			return e.token, nil
		}
	}
	call := c.startLocked(key, resource, scopes)
	c.mu.Unlock()
	select {
	case <-call.done:
		return call.token, call.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (c *tokenCache) startLocked(key, resource string, scopes []string) *tokenCall {
	if call, ok := c.inflight[key]; ok {
		return call
	}
	call := &tokenCall{done: make(chan struct{})}
	c.inflight[key] = call
	started := time.Now()
	go func() {
		token, lifetime, err := c.fetch(c.bg, resource, scopes)
		c.mu.Lock()
		delete(c.inflight, key)
		if err == nil && !c.closed {
			if lifetime < time.Second {
				lifetime = time.Second
			}
			margin := lifetime / 5
			if margin > maxRefreshMargin {
				margin = maxRefreshMargin
			}
			c.entries[key] = tokenEntry{token: token, refreshAt: started.Add(lifetime - margin), expiresAt: started.Add(lifetime)}
			c.issued[token] = issuedKey{resource: resource, scopes: scopes}
			c.order = append(c.order, token)
			for len(c.order) > keptTokens {
				delete(c.issued, c.order[0])
				c.order = c.order[1:]
			}
			if t := c.timers[key]; t != nil {
				t.Stop()
			}
			c.timers[key] = time.AfterFunc(lifetime-margin, func() {
				c.mu.Lock()
				defer c.mu.Unlock()
				delete(c.timers, key)
				if !c.closed {
					c.startLocked(key, resource, scopes)
				}
			})
		}
		c.mu.Unlock()
		call.token, call.err = token, err
		close(call.done)
	}()
	return call
}

func (c *tokenCache) keyOf(token string) (issuedKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.issued[token]
	return k, ok
}

func (c *tokenCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.cancel()
	for _, t := range c.timers {
		t.Stop()
	}
	c.timers = map[string]*time.Timer{}
	c.entries = map[string]tokenEntry{}
}
