package caracal

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Polls of an approval: never more often than minPoll, and defaultPoll apart when the Gateway does not say.
const (
	minPoll     = time.Second
	defaultPoll = 2 * time.Second
)

// held is a request the Gateway holds for approval, or refuses because its approval was denied.
type held struct {
	denied     bool
	approvalID string
	requestID  string
	retryAfter time.Duration // -1 when the Gateway did not say
}

// heldForApproval reads a 403 refusal (and leaves its body readable).
func heldForApproval(resp *http.Response) (held, bool) {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(data)))
	var body map[string]any
	if json.Unmarshal(data, &body) != nil {
		return held{}, false
	}
	reason, id := str(body, "reason"), str(body, "approval_id")
	if id == "" || (reason != "approval_required" && reason != "approval_denied") {
		return held{}, false
	}
	return held{denied: reason == "approval_denied", approvalID: id, requestID: str(body, "request_id"),
		retryAfter: approvalRetryAfter(resp)}, true
}

func approvalRetryAfter(resp *http.Response) time.Duration {
	seconds, err := strconv.ParseFloat(strings.TrimSpace(resp.Header.Get("Retry-After")), 64)
	if err != nil || seconds < 0 {
		return -1
	}
	return time.Duration(seconds * float64(time.Second))
}

func pollDelay(retryAfter time.Duration) time.Duration {
	if retryAfter < 0 {
		return defaultPoll
	}
	if retryAfter < minPoll {
		return minPoll
	}
	return retryAfter
}

// announce prints the approve command of a held request once per approval, under `caracal run`.
func (t *Transport) announce(h held) {
	if h.denied || os.Getenv("CARACAL_RUN") == "" {
		return
	}
	if _, seen := t.announced.LoadOrStore(h.approvalID, true); seen {
		return
	}
	fmt.Fprintf(os.Stderr, "caracal: request held for approval %s — approve with: caracal approvals approve %s\n", h.approvalID, h.approvalID)
}

func approvalError(reason, approvalID, requestID string, status int, message string) *Error {
	return &Error{Kind: KindApproval, Reason: reason, ApprovalID: approvalID, RequestID: requestID, Status: status,
		Message: "caracal: " + message}
}

func deniedError(h held) *Error {
	return approvalError("approval_denied", h.approvalID, h.requestID, http.StatusForbidden,
		fmt.Sprintf("an approver denied the request (approval %s)", h.approvalID))
}

// awaitApproval polls GET {gateway}/.caracal/approvals/{id} with the request's token until the
// approval is approved (nil), or denied, expired, unknown, the deadline passes or ctx ends (an
// error). renew (nil when the token is the caller's own) swaps in a new token; it is called once
// when the Gateway says the token expired. A network failure, a 429 or a 5xx is asked again later.
func awaitApproval(ctx context.Context, base http.RoundTripper, gateway string, header http.Header, renew func() error,
	h held, deadline time.Time) error {
	target := gateway + "/.caracal/approvals/" + url.PathEscape(h.approvalID)
	delay := pollDelay(h.retryAfter)
	renewed := false
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return approvalError("approval_timeout", h.approvalID, h.requestID, 0,
				fmt.Sprintf("approval %s was not answered in time; approve with: caracal approvals approve %s", h.approvalID, h.approvalID))
		}
		if delay > left {
			delay = left
		}
		if err := sleepCtx(ctx, delay); err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return err
		}
		for _, name := range []string{"Authorization", "traceparent"} {
			if v := header.Get(name); v != "" {
				req.Header.Set(name, v)
			}
		}
		resp, err := base.RoundTrip(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			delay = defaultPoll
			continue
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		var body map[string]any
		_ = json.Unmarshal(data, &body)
		switch {
		case resp.StatusCode == http.StatusOK:
			renewed = false
			switch str(body, "state") {
			case "approved", "used": // used: an identical request took it; this one is held anew
				return nil
			case "denied":
				return deniedError(h)
			case "expired":
				return approvalError("approval_expired", h.approvalID, h.requestID, 0,
					fmt.Sprintf("approval %s expired before it was used", h.approvalID))
			}
			delay = pollDelay(approvalRetryAfter(resp))
		case resp.StatusCode == http.StatusUnauthorized && renew != nil && !renewed && str(body, "reason") == "token_expired":
			renewed = true
			if err := renew(); err != nil {
				return err
			}
			delay = 0
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			delay = pollDelay(approvalRetryAfter(resp))
		case str(body, "reason") == "approval_unknown":
			return approvalError("approval_unknown", h.approvalID, resp.Header.Get("X-Caracal-Request-Id"), resp.StatusCode,
				fmt.Sprintf("the gateway does not know approval %s for this token", h.approvalID))
		default:
			resp.Body = io.NopCloser(strings.NewReader(string(data)))
			return ErrorFromResponse(resp)
		}
	}
}
