package caracal_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	caracal "caracal.run/sdk/go"
)

func loadZone(profile string) (string, error) {
	p, err := caracal.LoadProfile(profile)
	if err != nil {
		return "", err
	}
	return p.ZoneID, nil
}

func claims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	json.Unmarshal(data, &out)
	return out
}

type rawResult struct {
	status    int
	requestID string
	body      map[string]any
}

func rawDo(t *testing.T, method, url string, h http.Header) rawResult {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var body map[string]any
	json.Unmarshal(data, &body)
	return rawResult{resp.StatusCode, resp.Header.Get("X-Caracal-Request-Id"), body}
}

func newClient(t *testing.T, profile string, opts ...caracal.Option) *caracal.Client {
	t.Helper()
	c, err := caracal.New(append([]caracal.Option{caracal.WithConfig(profile)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func asCaracal(t *testing.T, err error) *caracal.Error {
	t.Helper()
	var ce *caracal.Error
	if !errors.As(err, &ce) {
		t.Fatalf("expected a *caracal.Error, got %T %v", err, err)
	}
	return ce
}

func TestSpawnCallsAndTeardownRevokes(t *testing.T) {
	s := needServer(t)
	c := newClient(t, s.mainProfile)
	ctx := context.Background()
	var saved *caracal.GatewayRequest
	var sessionID string
	err := c.Spawn(ctx, func(ctx context.Context) error {
		session := caracal.SessionFrom(ctx)
		sessionID = session.ID
		req, err := c.GatewayRequest(ctx, echoResource, "/charge")
		if err != nil {
			return err
		}
		saved = req
		if req.URL != s.gatewayURL+"/charge" || req.Header.Get("X-Caracal-Resource") != echoResource {
			t.Errorf("gateway request %+v", req)
		}
		tok := claims(t, strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer "))
		if tok["sid"] != session.ID || tok["aud"] != echoResource {
			t.Errorf("token claims %v", tok)
		}
		// the README flow: POST a JSON body through the transport
		httpReq, _ := req.NewRequest(ctx, "POST", strings.NewReader(`{"amount": 1200}`))
		httpReq.Header.Set("Content-Type", "application/json")
		resp, err := c.HTTPClient().Do(httpReq)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var seen struct {
			Method, Path, Body string
			Headers            map[string]string
		}
		json.NewDecoder(resp.Body).Decode(&seen)
		if resp.StatusCode != 200 || seen.Method != "POST" || seen.Path != "/api/charge" || seen.Body != `{"amount": 1200}` {
			t.Errorf("upstream saw %d %+v", resp.StatusCode, seen)
		}
		if seen.Headers["authorization"] != "" {
			t.Errorf("the upstream saw the token")
		}
		if !strings.Contains(seen.Headers["traceparent"], session.TraceID) {
			t.Errorf("traceparent %q not in trace %s", seen.Headers["traceparent"], session.TraceID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	after := rawDo(t, "GET", saved.URL, saved.Header)
	if after.status != 401 || after.body["reason"] != "session_revoked" || after.requestID == "" {
		t.Fatalf("after teardown: %+v", after)
	}
	if sessionID == "" {
		t.Fatal("no session")
	}
	// an error from fn is returned and the session still ends
	boom := errors.New("boom")
	err = c.Spawn(ctx, func(ctx context.Context) error {
		saved, _ = c.GatewayRequest(ctx, echoResource, "/x")
		return boom
	})
	if err != boom {
		t.Fatalf("expected fn's error, got %v", err)
	}
	if r := rawDo(t, "GET", saved.URL, saved.Header); r.status != 401 || r.body["reason"] != "session_revoked" {
		t.Fatalf("after a failed fn: %+v", r)
	}
}

func TestTransportRoutesUpstreamPrefix(t *testing.T) {
	s := needServer(t)
	c := newClient(t, s.mainProfile)
	err := c.Spawn(context.Background(), func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, "GET", s.upstream.URL+"/api/items?x=1", nil)
		req.Header.Set("baggage", "team=blue,caracal.hop=99")
		resp, err := c.HTTPClient().Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var seen struct {
			Path    string
			Headers map[string]string
		}
		json.NewDecoder(resp.Body).Decode(&seen)
		if resp.StatusCode != 200 || seen.Path != "/api/items?x=1" || resp.Header.Get("X-Caracal-Request-Id") == "" ||
			!strings.Contains(seen.Headers["baggage"], "team=blue") || strings.Contains(seen.Headers["baggage"], "caracal.hop=99") {
			t.Errorf("routed: %d %+v %v", resp.StatusCode, seen, resp.Header)
		}
		// a URL outside every prefix goes straight there, with a traceparent and no token
		direct, _ := http.NewRequestWithContext(ctx, "GET", s.upstream.URL+"/other", nil)
		resp2, err := c.HTTPClient().Do(direct)
		if err != nil {
			return err
		}
		defer resp2.Body.Close()
		var direct2 struct {
			Path    string
			Headers map[string]string
		}
		json.NewDecoder(resp2.Body).Decode(&direct2)
		if direct2.Path != "/other" || direct2.Headers["authorization"] != "" || direct2.Headers["baggage"] != "" || direct2.Headers["traceparent"] == "" {
			t.Errorf("direct: %+v", direct2)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// outside a spawn a prefix URL needs a session
	req, _ := http.NewRequest("GET", s.upstream.URL+"/api/items", nil)
	_, err = c.HTTPClient().Do(req)
	if !errors.Is(err, caracal.ErrNoSession) {
		t.Fatalf("expected ErrNoSession, got %v", err)
	}
}

func TestTransportRetriesOnlyIdempotent(t *testing.T) {
	s := needServer(t)
	c := newClient(t, s.mainProfile)
	err := c.Spawn(context.Background(), func(ctx context.Context) error {
		for _, m := range []string{"GET", "POST"} {
			path := "/api/retry-" + m + "/status/503"
			req, _ := http.NewRequestWithContext(ctx, m, s.upstream.URL+path, strings.NewReader(""))
			resp, err := c.HTTPClient().Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			want := 3
			if m == "POST" {
				want = 1
			}
			if resp.StatusCode != 503 || s.hitCount(path) != want {
				t.Errorf("%s: status %d, %d tries, want %d", m, resp.StatusCode, s.hitCount(path), want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNestedSpawn(t *testing.T) {
	s := needServer(t)
	c := newClient(t, s.mainProfile)
	ctx := context.Background()
	err := c.Spawn(ctx, func(ctx context.Context) error {
		parent := caracal.SessionFrom(ctx)
		var childReq *caracal.GatewayRequest
		err := c.Spawn(ctx, func(ctx context.Context) error {
			child := caracal.SessionFrom(ctx)
			if child.Parent != parent || !child.Delegated || child.Hop != 1 || child.TraceID != parent.TraceID || child.RootID != parent.ID {
				t.Errorf("child %v of %v", child, parent)
			}
			if strings.Join(child.Scopes, " ") != "read" {
				t.Errorf("narrowed child holds %v", child.Scopes)
			}
			var err error
			if childReq, err = c.GatewayRequest(ctx, echoResource, "/child"); err != nil {
				return err
			}
			if r := rawDo(t, "GET", childReq.URL, childReq.Header); r.status != 200 {
				t.Errorf("child call: %+v", r)
			}
			if !strings.Contains(childReq.Header.Get("baggage"), "caracal.hop=1") {
				t.Errorf("baggage %q", childReq.Header.Get("baggage"))
			}
			// widening inside the narrowed child is refused by the STS
			err = c.Spawn(ctx, func(ctx context.Context) error {
				t.Error("widened")
				return nil
			}, caracal.WithGrant(caracal.Narrow([]string{"read", "write"}, "", 0)))
			ce := asCaracal(t, err)
			if ce.Kind != caracal.KindSTS || ce.Status != 400 || ce.Code != "invalid_scope" || ce.Reason != "scope_escalation" {
				t.Errorf("widening: %+v", ce)
			}
			_, err = c.Token(ctx, echoResource, "write")
			if ce := asCaracal(t, err); ce.Code != "invalid_scope" {
				t.Errorf("write token in a read child: %+v", ce)
			}
			return nil
		}, caracal.WithGrant(caracal.Narrow([]string{"read"}, echoResource, 60*time.Second)))
		if err != nil {
			return err
		}
		if r := rawDo(t, "GET", childReq.URL, childReq.Header); r.status != 401 || r.body["reason"] != "session_revoked" {
			t.Errorf("child after its spawn: %+v", r)
		}
		// the parent still works
		if req, err := c.GatewayRequest(ctx, echoResource, "/parent"); err != nil {
			return err
		} else if r := rawDo(t, "GET", req.URL, req.Header); r.status != 200 {
			t.Errorf("parent after child: %+v", r)
		}
		// a scope the parent never held
		err = c.Spawn(ctx, func(ctx context.Context) error { return nil }, caracal.WithGrant(caracal.Narrow([]string{"admin"}, "", 0)))
		if ce := asCaracal(t, err); ce.Code != "invalid_scope" {
			t.Errorf("admin child: %+v", ce)
		}
		// an independent child is not delegated
		return c.Spawn(ctx, func(ctx context.Context) error {
			child := caracal.SessionFrom(ctx)
			if child.Delegated || child.Depth != 0 || child.TraceID != parent.TraceID {
				t.Errorf("independent child %v", child)
			}
			return nil
		}, caracal.WithGrant(caracal.None()))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDenials(t *testing.T) {
	s := needServer(t)
	c := newClient(t, s.denied)
	err := c.Spawn(context.Background(), func(ctx context.Context) error {
		// the STS refuses the admin scope
		_, err := c.Token(ctx, ledgerResource, "admin")
		ce := asCaracal(t, err)
		if ce.Status != 403 || ce.Code != "access_denied" || ce.Reason != "denied_by_rule" || !strings.HasPrefix(ce.RequestID, "req_") {
			t.Errorf("sts denial: %+v", ce)
		}
		if ce.ExplainCommand() != "caracal explain "+ce.RequestID || !strings.Contains(ce.Error(), "[caracal explain "+ce.RequestID+"]") {
			t.Errorf("explain: %q", ce.Error())
		}
		if out, err := s.cli("explain", ce.RequestID); err != nil || !strings.Contains(out, "never-admin") {
			t.Errorf("caracal explain: %v %s", err, out)
		}
		// the Gateway refuses a DELETE
		tr := c.Transport(nil)
		req, _ := http.NewRequestWithContext(ctx, "DELETE", s.upstream.URL+"/ledger/entries/7", nil)
		req.Header.Set("Authorization", "Bearer "+mustToken(t, c, ctx, "read", "write"))
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			return err
		}
		if resp.StatusCode != 403 {
			t.Errorf("DELETE: %d", resp.StatusCode)
		}
		gerr := asCaracal(t, caracal.ErrorFromResponse(resp))
		if gerr.Kind != caracal.KindGateway || gerr.Reason != "denied_by_rule" || gerr.RequestID != resp.Header.Get("X-Caracal-Request-Id") || gerr.RequestID == "" {
			t.Errorf("gateway denial: %+v", gerr)
		}
		if body, _ := io.ReadAll(resp.Body); !strings.Contains(string(body), "denied_by_rule") {
			t.Errorf("body not readable after ErrorFromResponse: %s", body)
		}
		resp.Body.Close()
		// FailOnError returns it as the error
		tr.FailOnError = true
		req, _ = http.NewRequestWithContext(ctx, "DELETE", s.upstream.URL+"/ledger/entries/8", nil)
		req.Header.Set("Authorization", "Bearer "+mustToken(t, c, ctx, "read", "write"))
		_, err = (&http.Client{Transport: tr}).Do(req)
		if thrown := asCaracal(t, err); thrown.Reason != "denied_by_rule" || thrown.RequestID == gerr.RequestID {
			t.Errorf("FailOnError: %+v", thrown)
		}
		// GatewayRequest with the profile's scopes (read, write, admin) surfaces the STS refusal
		_, err = c.GatewayRequest(ctx, ledgerResource, "/")
		if ce := asCaracal(t, err); ce.Reason != "denied_by_rule" {
			t.Errorf("GatewayRequest: %+v", ce)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustToken(t *testing.T, c *caracal.Client, ctx context.Context, scopes ...string) string {
	t.Helper()
	tok, err := c.Token(ctx, ledgerResource, scopes...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokenRefresh(t *testing.T) {
	s := needServer(t)
	c := newClient(t, s.mainProfile, caracal.WithTokenTTL(3*time.Second))
	bearerOf := func(ctx context.Context) string {
		req, err := c.GatewayRequest(ctx, echoResource, "/")
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
	}
	err := c.Spawn(context.Background(), func(ctx context.Context) error {
		first := bearerOf(ctx)
		tok := claims(t, first)
		if tok["exp"].(float64)-tok["iat"].(float64) > 3 {
			t.Errorf("token lives too long: %v", tok)
		}
		if bearerOf(ctx) != first {
			t.Error("token not cached")
		}
		time.Sleep(3200 * time.Millisecond)
		second := bearerOf(ctx)
		if second == first || claims(t, second)["exp"].(float64) <= tok["exp"].(float64) {
			t.Error("token not refreshed")
		}
		time.Sleep(3200 * time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, "GET", s.upstream.URL+"/api/after-expiry", nil)
		resp, err := c.HTTPClient().Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("after expiry: %d", resp.StatusCode)
		}
		if bearerOf(ctx) == second {
			t.Error("token not refreshed a second time")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestExampleAgent(t *testing.T) {
	s := needServer(t)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go on PATH")
	}
	dir := filepath.Join(repoRoot(), "examples", "agents", "go")
	cmd := exec.Command(goBin, "run", ".")
	cmd.Dir = dir
	cmd.Env = append(s.env(), "CARACAL_CONFIG="+s.mainProfile, "CARACAL_RESOURCE_ID="+echoResource, "CARACAL_RESOURCE_PATH=/charge",
		"GOFLAGS=-mod=mod", "GOCACHE="+goCache())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("example agent: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"path":"/api/charge"`) || !strings.Contains(string(out), `{\"amount\": 1200}`) {
		t.Fatalf("example agent output: %s", out)
	}
}

func goCache() string {
	if c := os.Getenv("GOCACHE"); c != "" {
		return c
	}
	out, _ := exec.Command("go", "env", "GOCACHE").Output()
	return strings.TrimSpace(string(out))
}
