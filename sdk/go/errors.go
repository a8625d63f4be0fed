package caracal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Kind says which part of Caracal (or of the SDK's use) an Error comes from.
type Kind string

const (
	KindConfig     Kind = "config"      // the runtime profile or CARACAL_* environment cannot be used
	KindNoSession  Kind = "no_session"  // a session-bound call ran outside Spawn
	KindSTS        Kind = "sts"         // the STS refused or failed (open, exchange, end)
	KindGateway    Kind = "gateway"     // the Gateway refused a request
	KindHTTP       Kind = "http"        // another status >= 400 that is not a Gateway refusal
	KindSessionEnd Kind = "session_end" // the session could not be ended after fn succeeded
	KindTransport  Kind = "transport"   // the STS or Gateway could not be reached
	KindApproval   Kind = "approval"    // a request held for approval did not go through while the transport waited
)

// Error is every error the SDK returns. Reason is Caracal's stable reason code
// (session_revoked, scope_escalation, denied_by_rule ...), RequestID the STS or Gateway request
// that `caracal explain <request-id>` takes, Code the protocol error (invalid_scope,
// access_denied ...). Use errors.As to get at it.
type Error struct {
	Kind      Kind
	Message   string
	Reason    string
	RequestID string
	Status    int
	Code      string
	Err       error
	// ApprovalID names the approval a KindApproval error is about (`caracal approvals show <id>`).
	ApprovalID string
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// ExplainCommand is `caracal explain <request-id>`, or "" without a request id.
func (e *Error) ExplainCommand() string {
	if e.RequestID == "" {
		return ""
	}
	return "caracal explain " + e.RequestID
}

// ErrNoSession is matched (errors.Is) by the error of a session-bound call outside Spawn.
var ErrNoSession = errors.New("caracal: no active agent session")

// ErrApprovalDenied, ErrApprovalExpired and ErrApprovalTimeout are matched (errors.Is) by the
// KindApproval error of a request Transport.WaitForApproval waited for: an approver denied it
// (reason approval_denied), the approval expired before it was used (approval_expired), or nobody
// answered in time (approval_timeout; it may still be approved later). An approval the Gateway
// does not know for the token is a KindApproval error with reason approval_unknown.
var (
	ErrApprovalDenied  = errors.New("caracal: approval denied")
	ErrApprovalExpired = errors.New("caracal: approval expired")
	ErrApprovalTimeout = errors.New("caracal: approval not answered in time")
)

// Is lets errors.Is(err, ErrNoSession) and errors.Is(err, ErrApprovalDenied) (Expired, Timeout) match.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNoSession:
		return e.Kind == KindNoSession
	case ErrApprovalDenied:
		return e.Kind == KindApproval && e.Reason == "approval_denied"
	case ErrApprovalExpired:
		return e.Kind == KindApproval && e.Reason == "approval_expired"
	case ErrApprovalTimeout:
		return e.Kind == KindApproval && e.Reason == "approval_timeout"
	}
	return false
}

func configError(format string, args ...any) *Error {
	return &Error{Kind: KindConfig, Message: "caracal: " + fmt.Sprintf(format, args...), Reason: "config_invalid"}
}

func noSession(what string) *Error {
	return &Error{Kind: KindNoSession, Reason: "no_active_session",
		Message: fmt.Sprintf("caracal: %s needs an agent session: call it inside c.Spawn(ctx, func(ctx context.Context) error { ... }) with that ctx", what)}
}

func formatMessage(what, code, reason, description, requestID string) string {
	out := "caracal: " + what + ": " + code
	if reason != "" {
		out += " (" + reason + ")"
	}
	if description != "" {
		out += " " + description
	}
	if requestID != "" {
		out += " [caracal explain " + requestID + "]"
	}
	return out
}

func str(m map[string]any, key string) string {
	if s, ok := m[key].(string); ok {
		return s
	}
	return ""
}

func stsError(what string, status int, body map[string]any, headerRequestID string) *Error {
	code := str(body, "error")
	if code == "" {
		code = fmt.Sprintf("http_%d", status)
	}
	reason := str(body, "reason")
	rid := str(body, "request_id")
	if rid == "" {
		rid = headerRequestID
	}
	return &Error{Kind: KindSTS, Code: code, Reason: reason, RequestID: rid, Status: status,
		Message: formatMessage(what, code, reason, str(body, "error_description"), rid)}
}

// ErrorFromResponse returns the error a response stands for: a KindGateway *Error when the
// Gateway itself refused (its JSON body names error and reason), a KindHTTP *Error for any other
// status >= 400, nil below 400. The body is read and replaced, so it stays readable.
func ErrorFromResponse(resp *http.Response) error {
	if resp == nil || resp.StatusCode < 400 {
		return nil
	}
	requestID := resp.Header.Get("X-Caracal-Request-Id")
	var body map[string]any
	if resp.Body != nil {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(data))
		_ = json.Unmarshal(data, &body)
	}
	_, hasReason := body["reason"]
	_, hasError := body["error"]
	if hasReason && hasError && (requestID == "" || str(body, "request_id") == requestID || str(body, "request_id") == "") {
		code := str(body, "error")
		reason := str(body, "reason")
		rid := str(body, "request_id")
		if rid == "" {
			rid = requestID
		}
		return &Error{Kind: KindGateway, Code: code, Reason: reason, RequestID: rid, Status: resp.StatusCode,
			Message: formatMessage(fmt.Sprintf("gateway refused the request (http %d)", resp.StatusCode), code, reason, str(body, "message"), rid)}
	}
	where := "request"
	if resp.Request != nil && resp.Request.URL != nil {
		where = resp.Request.Method + " " + resp.Request.URL.String()
	}
	msg := fmt.Sprintf("caracal: %s failed with http %d", where, resp.StatusCode)
	if requestID != "" {
		msg += " [caracal explain " + requestID + "]"
	}
	return &Error{Kind: KindHTTP, Message: msg, Status: resp.StatusCode, RequestID: requestID, Code: fmt.Sprintf("http_%d", resp.StatusCode)}
}

func asError(err error, target **Error) bool { return errors.As(err, target) }
