package caracal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Transport is an http.RoundTripper bound to the agent session in each request's context.
//
// Every request sent with a session context gets a W3C traceparent in the session's trace.
// Requests to the Gateway (a URL under the Gateway with X-Caracal-Resource) and to a URL under a
// credential's upstream_prefix (rewritten to go through the Gateway) also get Authorization with
// a fresh token of the session and baggage carrying the session id and hop; no other host sees a
// token or the session id. Idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) whose body
// can be replayed (none, or Request.GetBody set) are retried on network failures and
// 502/503/504, and once with a new token when the Gateway says token_expired; nothing else is
// retried, except with WaitForApproval: a request the Gateway holds for a person's approval (403
// approval_required, nothing forwarded) is sent again, identical, once the approval is approved.
// Under `caracal run` (CARACAL_RUN set) a held request prints one line to stderr with the command
// that approves it.
type Transport struct {
	// Base sends the requests (default http.DefaultTransport).
	Base http.RoundTripper
	// Retries of idempotent requests on network failures and 502/503/504 (default 2; -1 for none).
	Retries int
	// FailOnError makes RoundTrip return the ErrorFromResponse error for any status >= 400.
	FailOnError bool
	// WaitForApproval, when positive, is how long in all to wait for a person's approval of a
	// request the Gateway holds (403 approval_required): RoundTrip polls
	// {gateway}/.caracal/approvals/{id} (as its Retry-After says, at most once a second) and sends
	// the identical request again once it is approved; otherwise it returns a KindApproval *Error
	// matching ErrApprovalDenied, ErrApprovalExpired or ErrApprovalTimeout. Only a request whose
	// body can be replayed (none, or Request.GetBody set) waits. Zero (the default) returns the 403.
	WaitForApproval time.Duration

	client    *Client
	announced sync.Map // approval ids whose approve command was printed
}

// Transport returns an http.RoundTripper over base (nil: http.DefaultTransport); see Transport.
func (c *Client) Transport(base http.RoundTripper) *Transport {
	return &Transport{Base: base, Retries: 2, client: c}
}

// HTTPClient is an *http.Client using c.Transport(nil) that does not follow redirects answered
// for Gateway-bound requests.
func (c *Client) HTTPClient() *http.Client {
	return &http.Client{Transport: c.Transport(nil), CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && c.gatewayBound(via[0]) {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return fmt.Errorf("stopped after 10 redirects")
		}
		return nil
	}}
}

var idempotentMethods = map[string]bool{"GET": true, "HEAD": true, "OPTIONS": true, "PUT": true, "DELETE": true, "TRACE": true}

func (c *Client) gatewayBound(req *http.Request) bool {
	gateway := strings.TrimRight(c.Profile.GatewayURL, "/")
	u := req.URL.String()
	if gateway != "" && req.Header.Get("X-Caracal-Resource") != "" && under(u, gateway) {
		return true
	}
	_, _, ok := c.matchPrefix(u)
	return ok
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	ctx := req.Context()
	session := SessionFrom(ctx)
	c := t.client
	out := req.Clone(ctx)
	target := req.URL.String()
	gateway := strings.TrimRight(c.Profile.GatewayURL, "/")
	resource := out.Header.Get("X-Caracal-Resource")
	viaPrefix := false
	gatewayBound := true
	if !(gateway != "" && resource != "" && under(target, gateway)) {
		prefixResource, rest, ok := c.matchPrefix(target)
		if !ok {
			gatewayBound = false
			if session != nil && out.Header.Get("traceparent") == "" {
				out.Header.Set("traceparent", session.Traceparent())
			}
		} else {
			if gateway == "" {
				closeBody(req)
				return nil, configError("`%s` is under the upstream prefix of `%s`, but no gateway url is configured "+
					"(set `gateway_url` in the profile or CARACAL_GATEWAY_URL)", target, prefixResource)
			}
			u, err := url.Parse(gateway + rest)
			if err != nil {
				closeBody(req)
				return nil, configError("cannot route `%s` through the gateway: %v", target, err)
			}
			out.URL = u
			out.Host = ""
			resource = prefixResource
			out.Header.Set("X-Caracal-Resource", resource)
			viaPrefix = true
		}
	}
	var scopes []string
	canRenew := false
	if gatewayBound && session == nil && viaPrefix {
		closeBody(req)
		return nil, noSession(fmt.Sprintf("`%s` goes through the gateway to `%s`, which", out.URL, resource))
	}
	if gatewayBound && session != nil {
		presented := bearer(out.Header)
		if presented == "" {
			var err error
			if scopes, err = c.defaultScopes(session, resource); err != nil {
				closeBody(req)
				return nil, err
			}
		} else if key, ok := issuedBy(session, presented); ok && key.resource == resource {
			scopes = key.scopes
		}
		if out.Header.Get("traceparent") == "" {
			out.Header.Set("traceparent", session.Traceparent())
		}
		out.Header.Set("baggage", mergeBaggage(out.Header.Values("baggage"), session))
		if scopes != nil { // else a token this SDK did not issue: left as given
			token, err := session.tokens.get(ctx, resource, scopes, "")
			if err != nil {
				closeBody(req)
				return nil, err
			}
			out.Header.Set("Authorization", "Bearer "+token)
			canRenew = true
		}
	}

	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	idempotent := idempotentMethods[strings.ToUpper(out.Method)] && replayable
	retries := t.Retries
	if retries < 0 {
		retries = 0
	}
	renewed := false
	waited := false
	var deadline time.Time
	for attempt := 0; ; attempt++ {
		send := out
		if attempt > 0 {
			send = out.Clone(ctx)
			if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				send.Body = body
			}
		}
		resp, err := base.RoundTrip(send)
		if err != nil {
			if idempotent && attempt < retries && ctx.Err() == nil {
				if sleepCtx(ctx, backoff(attempt)) == nil {
					continue
				}
			}
			if !gatewayBound || ctx.Err() != nil {
				return nil, err
			}
			return nil, &Error{Kind: KindTransport, Reason: "gateway_unreachable", Err: err,
				Message: fmt.Sprintf("caracal: %s %s: cannot reach the gateway (%v)", out.Method, out.URL, err)}
		}
		if idempotent && attempt < retries && (resp.StatusCode == 502 || resp.StatusCode == 503 || resp.StatusCode == 504) {
			drain(resp)
			if sleepCtx(ctx, backoff(attempt)) == nil {
				continue
			}
			return nil, ctx.Err()
		}
		if (idempotent || waited) && !renewed && canRenew && resp.StatusCode == http.StatusUnauthorized && gatewayReason(resp) == "token_expired" {
			renewed = true
			drain(resp)
			token, err := session.tokens.get(ctx, resource, scopes, bearer(out.Header))
			if err != nil {
				return nil, err
			}
			out.Header.Set("Authorization", "Bearer "+token)
			attempt-- // a renewal is not a retry
			out = out.Clone(ctx)
			if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
				if out.Body, err = req.GetBody(); err != nil {
					return nil, err
				}
			}
			continue
		}
		if resp.StatusCode == http.StatusForbidden && gatewayBound {
			if h, ok := heldForApproval(resp); ok {
				t.announce(h)
				if t.WaitForApproval > 0 && replayable {
					drain(resp)
					if h.denied {
						return nil, deniedError(h)
					}
					if deadline.IsZero() {
						deadline = time.Now().Add(t.WaitForApproval)
					}
					var renew func() error
					if canRenew {
						renew = func() error {
							token, err := session.tokens.get(ctx, resource, scopes, bearer(out.Header))
							if err == nil {
								out.Header.Set("Authorization", "Bearer "+token)
							}
							return err
						}
					}
					if err := awaitApproval(ctx, base, gateway, out.Header, renew, h, deadline); err != nil {
						return nil, err
					}
					waited, renewed = true, false
					attempt = -1 // the identical request, with its retries, again
					var err error
					out = out.Clone(ctx)
					if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
						if out.Body, err = req.GetBody(); err != nil {
							return nil, err
						}
					}
					continue
				}
			}
		}
		if t.FailOnError && resp.StatusCode >= 400 {
			err := ErrorFromResponse(resp)
			resp.Body.Close()
			return nil, err
		}
		return resp, nil
	}
}

func backoff(attempt int) time.Duration { return time.Duration(200<<attempt) * time.Millisecond }

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
}

// gatewayReason reads the reason of a Gateway JSON error and leaves the body readable.
func gatewayReason(resp *http.Response) string {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	var body map[string]any
	_ = json.Unmarshal(data, &body)
	return str(body, "reason")
}

func issuedBy(session *Session, token string) (issuedKey, bool) {
	for node := session; node != nil; node = node.Parent {
		if key, ok := node.tokens.keyOf(token); ok {
			return key, true
		}
	}
	return issuedKey{}, false
}

func (c *Client) matchPrefix(u string) (resource, rest string, ok bool) {
	best := -1
	for _, cred := range c.Profile.Credentials {
		prefix := strings.TrimRight(cred.UpstreamPrefix, "/")
		if prefix == "" || !under(u, prefix) || len(prefix) <= best {
			continue
		}
		best, resource, rest = len(prefix), cred.Resource, u[len(prefix):]
	}
	if best < 0 {
		return "", "", false
	}
	if !strings.HasPrefix(rest, "/") {
		rest = "/" + rest
	}
	return resource, rest, true
}

// under reports whether u is base or below it (http://h/api covers http://h/api/x and ?q, not
// http://h/apix).
func under(u, base string) bool {
	if !strings.HasPrefix(u, base) {
		return false
	}
	rest := u[len(base):]
	return rest == "" || strings.ContainsRune("/?#", rune(rest[0]))
}

func bearer(h http.Header) string {
	v := h.Get("Authorization")
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return ""
}

// mergeBaggage keeps the caller's baggage members and replaces Caracal's with the session's.
func mergeBaggage(existing []string, session *Session) string {
	var kept []string
	for _, header := range existing {
		for _, m := range strings.Split(header, ",") {
			m = strings.TrimSpace(m)
			name, _, _ := strings.Cut(m, "=")
			if m != "" && !strings.HasPrefix(strings.TrimSpace(name), "caracal.") {
				kept = append(kept, m)
			}
		}
	}
	return strings.Join(append(kept, session.Baggage()), ",")
}
