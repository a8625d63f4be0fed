package caracal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	caracal "caracal.run/sdk/go"
)

// stsAsApp calls the STS with the profile's app credentials (HTTP Basic), as `caracal run` does.
func stsAsApp(t *testing.T, profile, method, path string, body any) (int, map[string]any) {
	t.Helper()
	p, err := caracal.LoadProfile(profile)
	if err != nil {
		t.Fatal(err)
	}
	var reader io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		reader = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, p.STSURL+path, reader)
	req.SetBasicAuth(url.QueryEscape(p.ApplicationID), url.QueryEscape(p.Secret))
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	data, _ := io.ReadAll(resp.Body)
	json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

// runSession opens a session the way `caracal run` does and sets CARACAL_SESSION_TOKEN and
// CARACAL_SESSION_ID to it for the rest of the test.
func runSession(t *testing.T, profile string) (id, token string) {
	t.Helper()
	status, body := stsAsApp(t, profile, "POST", "/v1/sessions", map[string]any{"ttl_seconds": 300})
	id, _ = body["session_id"].(string)
	token, _ = body["session_token"].(string)
	if status != 201 || id == "" || token == "" {
		t.Fatalf("open the run session: %d %v", status, body)
	}
	t.Cleanup(func() { stsAsApp(t, profile, "DELETE", "/v1/sessions/"+url.PathEscape(id), nil) })
	t.Setenv("CARACAL_SESSION_ID", id)
	t.Setenv("CARACAL_SESSION_TOKEN", token)
	return id, token
}

func TestTopLevelSpawnUnderRunIsDelegated(t *testing.T) {
	s := needServer(t)
	runID, _ := runSession(t, s.mainProfile)
	c := newClient(t, s.mainProfile)
	err := c.Spawn(context.Background(), func(ctx context.Context) error {
		session := caracal.SessionFrom(ctx)
		if !session.Delegated || session.Depth != 1 || session.RootID != runID || session.Parent != nil || session.Hop != 0 {
			t.Errorf("session under caracal run: %v delegated=%v", session, session.Delegated)
		}
		if status, got := stsAsApp(t, s.mainProfile, "GET", "/v1/sessions/"+session.ID, nil); status != 200 ||
			got["parent_session_id"] != runID || got["depth"] != float64(1) {
			t.Errorf("the STS's view of the session: %d %v", status, got)
		}
		req, err := c.GatewayRequest(ctx, echoResource, "/under-run")
		if err != nil {
			return err
		}
		if r := rawDo(t, "GET", req.URL, req.Header); r.status != 200 {
			t.Fatalf("call before the run session ends: %+v", r)
		}
		// ending the run's session ends the SDK's session with it
		status, ended := stsAsApp(t, s.mainProfile, "DELETE", "/v1/sessions/"+url.PathEscape(runID), nil)
		if status != 200 {
			t.Fatalf("terminate the run session: %d %v", status, ended)
		}
		terminated, _ := ended["terminated"].([]any)
		found := false
		for _, v := range terminated {
			found = found || v == session.ID
		}
		if !found {
			t.Errorf("terminating %s did not cascade to %s: %v", runID, session.ID, ended)
		}
		after, err := c.GatewayRequest(ctx, echoResource, "/under-run")
		if err != nil {
			return err
		}
		if r := rawDo(t, "GET", after.URL, after.Header); r.status != 401 || r.body["reason"] != "session_revoked" || r.requestID == "" {
			t.Errorf("call after the run session ended: %+v", r)
		}
		// through the transport too
		httpReq, _ := http.NewRequestWithContext(ctx, "GET", s.upstream.URL+"/api/under-run", nil)
		resp, err := c.HTTPClient().Do(httpReq)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if ce := asCaracal(t, caracal.ErrorFromResponse(resp)); ce.Kind != caracal.KindGateway || ce.Status != 401 || ce.Reason != "session_revoked" {
			t.Errorf("transport call after the run session ended: %+v", ce)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// a spawn after the run session ended is refused by the STS rather than silently independent
	err = c.Spawn(context.Background(), func(ctx context.Context) error {
		t.Error("spawned from an ended run session")
		return nil
	})
	if ce := asCaracal(t, err); ce.Kind != caracal.KindSTS || ce.Reason != "session_revoked" {
		t.Errorf("spawn from an ended run session: %+v", ce)
	}
}

func TestTopLevelNarrowUnderRunIsDelegated(t *testing.T) {
	s := needServer(t)
	runID, _ := runSession(t, s.mainProfile)
	c := newClient(t, s.mainProfile)
	err := c.Spawn(context.Background(), func(ctx context.Context) error {
		session := caracal.SessionFrom(ctx)
		if !session.Delegated || session.Depth != 1 || session.RootID != runID || len(session.Scopes) != 1 || session.Scopes[0] != "read" {
			t.Errorf("narrowed session under caracal run: %v", session)
		}
		req, err := c.GatewayRequest(ctx, echoResource, "/narrow-under-run")
		if err != nil {
			return err
		}
		if r := rawDo(t, "GET", req.URL, req.Header); r.status != 200 {
			t.Errorf("call: %+v", r)
		}
		return nil
	}, caracal.WithGrant(caracal.Narrow([]string{"read"}, echoResource, time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
}

func TestTopLevelNoneUnderRunIsIndependent(t *testing.T) {
	s := needServer(t)
	runID, _ := runSession(t, s.mainProfile)
	c := newClient(t, s.mainProfile)
	err := c.Spawn(context.Background(), func(ctx context.Context) error {
		session := caracal.SessionFrom(ctx)
		if session.Delegated || session.Depth != 0 || session.RootID != session.ID || session.Parent != nil || session.Hop != 0 {
			t.Errorf("none session under caracal run: %v delegated=%v", session, session.Delegated)
		}
		if status, got := stsAsApp(t, s.mainProfile, "GET", "/v1/sessions/"+session.ID, nil); status != 200 ||
			got["parent_session_id"] != nil || got["depth"] != float64(0) {
			t.Errorf("the STS's view of the session: %d %v", status, got)
		}
		// it outlives the run's session
		if status, _ := stsAsApp(t, s.mainProfile, "DELETE", "/v1/sessions/"+url.PathEscape(runID), nil); status != 200 {
			t.Fatalf("terminate the run session: %d", status)
		}
		req, err := c.GatewayRequest(ctx, echoResource, "/none-under-run")
		if err != nil {
			return err
		}
		if r := rawDo(t, "GET", req.URL, req.Header); r.status != 200 {
			t.Errorf("call after the run session ended: %+v", r)
		}
		return nil
	}, caracal.WithGrant(caracal.None()))
	if err != nil {
		t.Fatal(err)
	}
	// an empty CARACAL_SESSION_TOKEN is not a run session
	t.Setenv("CARACAL_SESSION_TOKEN", "")
	err = c.Spawn(context.Background(), func(ctx context.Context) error {
		if session := caracal.SessionFrom(ctx); session.Delegated || session.Depth != 0 {
			t.Errorf("session with an empty CARACAL_SESSION_TOKEN: %v", session)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
