package caracal_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	caracal "caracal.run/sdk/go"
)

// approvalStub is a real local HTTP server playing the Gateway: a POST held for approval (403
// approval_required, Retry-After), GET /.caracal/approvals/apr_1 answering the approval's state
// (states, by poll; the last repeats), and the identical request let through once approved.
type approvalStub struct {
	mu        sync.Mutex
	states    []string
	pollAuth  []string
	pollTimes []time.Time
	bodies    []string
	server    *httptest.Server
}

func newApprovalStub(t *testing.T, states ...string) *approvalStub {
	s := &approvalStub{states: states}
	s.server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.server.Close)
	return s
}

func (s *approvalStub) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodGet && r.URL.Path == "/.caracal/approvals/apr_1" {
		state := s.states[minInt(len(s.pollAuth), len(s.states)-1)]
		s.pollAuth = append(s.pollAuth, r.Header.Get("Authorization"))
		s.pollTimes = append(s.pollTimes, time.Now())
		if state == "unknown" {
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]string{"error": "not_found", "reason": "approval_unknown", "message": "no such approval"})
			return
		}
		if state == "pending" {
			w.Header().Set("Retry-After", "1")
		}
		json.NewEncoder(w).Encode(map[string]string{"approval_id": "apr_1", "state": state, "expires_at": "2030-01-01T00:00:00Z"})
		return
	}
	body, _ := io.ReadAll(r.Body)
	s.bodies = append(s.bodies, string(body))
	decided := s.states[minInt(maxInt(len(s.pollAuth)-1, 0), len(s.states)-1)]
	if len(s.pollAuth) > 0 && decided == "approved" {
		json.NewEncoder(w).Encode(map[string]string{"paid": string(body)})
		return
	}
	w.Header().Set("Retry-After", "1")
	w.Header().Set("X-Caracal-Request-Id", "req_1")
	w.WriteHeader(http.StatusForbidden)
	json.NewEncoder(w).Encode(map[string]string{"error": "forbidden", "reason": "approval_required", "approval_id": "apr_1",
		"message": "this request waits for a person's approval", "request_id": "req_1"})
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func (s *approvalStub) pay(t *testing.T, wait time.Duration) (*http.Response, error) {
	t.Helper()
	c, err := caracal.New(caracal.WithProfile(&caracal.Profile{STSURL: "http://127.0.0.1:9", GatewayURL: s.server.URL,
		ApplicationID: "app_test", Secret: "secret"}))
	if err != nil {
		t.Fatal(err)
	}
	transport := c.Transport(nil)
	transport.WaitForApproval = wait
	body := `{"amount":25000}`
	req, err := http.NewRequest(http.MethodPost, s.server.URL+"/payouts", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Caracal-Resource", "resource://payouts")
	req.Header.Set("Authorization", "Bearer agent-token")
	return (&http.Client{Transport: transport}).Do(req)
}

func approvalErr(t *testing.T, err error, reason string) *caracal.Error {
	t.Helper()
	var e *caracal.Error
	if !errors.As(err, &e) || e.Kind != caracal.KindApproval || e.Reason != reason || e.ApprovalID != "apr_1" {
		t.Fatalf("want a %s approval error for apr_1, got %#v", reason, err)
	}
	return e
}

func TestWaitForApproval_approved_pollsWithTheRequestsToken_thenRepeatsTheIdenticalRequest(t *testing.T) {
	s := newApprovalStub(t, "pending", "approved")
	started := time.Now()
	resp, err := s.pay(t, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(s.bodies) != 2 || s.bodies[0] != s.bodies[1] || s.bodies[0] != `{"amount":25000}` {
		t.Fatalf("want the same body twice, got %q", s.bodies)
	}
	if len(s.pollAuth) != 2 || s.pollAuth[0] != "Bearer agent-token" || s.pollAuth[1] != "Bearer agent-token" {
		t.Fatalf("polls: %q", s.pollAuth)
	}
	if s.pollTimes[0].Sub(started) < 900*time.Millisecond || s.pollTimes[1].Sub(s.pollTimes[0]) < 900*time.Millisecond {
		t.Fatalf("polled too often: %v", s.pollTimes)
	}
}

func TestWaitForApproval_denied_isErrApprovalDenied(t *testing.T) {
	s := newApprovalStub(t, "denied")
	_, err := s.pay(t, 10*time.Second)
	approvalErr(t, err, "approval_denied")
	if !errors.Is(err, caracal.ErrApprovalDenied) {
		t.Fatalf("errors.Is ErrApprovalDenied: %v", err)
	}
	if len(s.bodies) != 1 {
		t.Fatalf("a denied request is not sent again: %q", s.bodies)
	}
}

func TestWaitForApproval_expired_isErrApprovalExpired(t *testing.T) {
	s := newApprovalStub(t, "expired")
	_, err := s.pay(t, 10*time.Second)
	approvalErr(t, err, "approval_expired")
	if !errors.Is(err, caracal.ErrApprovalExpired) {
		t.Fatalf("errors.Is ErrApprovalExpired: %v", err)
	}
}

func TestWaitForApproval_unknownToTheGateway_isApprovalUnknown(t *testing.T) {
	s := newApprovalStub(t, "unknown")
	_, err := s.pay(t, 10*time.Second)
	approvalErr(t, err, "approval_unknown")
}

func TestWaitForApproval_noAnswerInTime_isErrApprovalTimeout(t *testing.T) {
	s := newApprovalStub(t, "pending")
	started := time.Now()
	_, err := s.pay(t, 1500*time.Millisecond)
	e := approvalErr(t, err, "approval_timeout")
	if !errors.Is(err, caracal.ErrApprovalTimeout) || !strings.Contains(e.Message, "caracal approvals approve apr_1") {
		t.Fatalf("timeout error: %v", err)
	}
	if time.Since(started) > 4*time.Second {
		t.Fatalf("gave up after %v", time.Since(started))
	}
}

func TestWaitForApproval_off_the403IsReturnedAsBefore(t *testing.T) {
	s := newApprovalStub(t, "pending")
	resp, err := s.pay(t, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(s.pollAuth) != 0 {
		t.Fatalf("status %d, polls %d", resp.StatusCode, len(s.pollAuth))
	}
}

func TestWaitForApproval_underCaracalRun_printsTheApproveCommandOnce(t *testing.T) {
	s := newApprovalStub(t, "pending")
	t.Setenv("CARACAL_RUN", "1")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	c, _ := caracal.New(caracal.WithProfile(&caracal.Profile{STSURL: "http://127.0.0.1:9", GatewayURL: s.server.URL,
		ApplicationID: "app_test", Secret: "secret"}))
	client := &http.Client{Transport: c.Transport(nil)}
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest(http.MethodPost, s.server.URL+"/payouts", strings.NewReader("{}"))
		req.Header.Set("X-Caracal-Resource", "resource://payouts")
		req.Header.Set("Authorization", "Bearer agent-token")
		resp, err := client.Do(req)
		if err != nil {
			os.Stderr = saved
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	os.Stderr = saved
	w.Close()
	printed, _ := io.ReadAll(r)
	want := "caracal: request held for approval apr_1 — approve with: caracal approvals approve apr_1\n"
	if string(printed) != want {
		t.Fatalf("stderr: %q", printed)
	}
}
