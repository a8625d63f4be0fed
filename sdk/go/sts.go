package caracal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"
	jwtTokenType       = "urn:ietf:params:oauth:token-type:jwt"
	rateLimitTries     = 3
	retryAfterCap      = 5 * time.Second
)

// stsClient makes the STS calls with the app's credentials; stateless apart from configuration.
type stsClient struct {
	baseURL string
	basic   string
	timeout time.Duration
	http    *http.Client
}

func newSTSClient(baseURL, appID, secret string, timeout time.Duration, client *http.Client) *stsClient {
	// RFC 6749 §2.3.1: id and secret are form-encoded before base64
	creds := url.QueryEscape(appID) + ":" + url.QueryEscape(secret)
	return &stsClient{baseURL: strings.TrimRight(baseURL, "/"), basic: "Basic " + base64.StdEncoding.EncodeToString([]byte(creds)),
		timeout: timeout, http: client}
}

type openSessionRequest struct {
	TTLSeconds         int64    `json:"ttl_seconds,omitempty"`
	Scopes             []string `json:"scopes,omitempty"`
	Resources          []string `json:"resources,omitempty"`
	Labels             []string `json:"labels,omitempty"`
	ParentSessionToken string   `json:"parent_session_token,omitempty"`
}

func (s *stsClient) openSession(ctx context.Context, req openSessionRequest, what, traceparent string) (map[string]any, error) {
	body, _ := json.Marshal(req)
	return s.call(ctx, http.MethodPost, "/v1/sessions", string(body), "application/json", what, traceparent)
}

func (s *stsClient) exchange(ctx context.Context, sessionToken, resource string, scopes []string, ttlSeconds int64, traceparent string) (map[string]any, error) {
	form := url.Values{
		"grant_type":         {tokenExchangeGrant},
		"subject_token":      {sessionToken},
		"subject_token_type": {jwtTokenType},
		"resource":           {resource},
		"scope":              {strings.Join(scopes, " ")},
	}
	if ttlSeconds > 0 {
		form.Set("ttl_seconds", strconv.FormatInt(ttlSeconds, 10))
	}
	return s.call(ctx, http.MethodPost, "/oauth2/token", form.Encode(), "application/x-www-form-urlencoded",
		fmt.Sprintf("cannot get a token for `%s`", resource), traceparent)
}

func (s *stsClient) endSession(ctx context.Context, id, traceparent string) error {
	_, err := s.call(ctx, http.MethodDelete, "/v1/sessions/"+url.PathEscape(id), "", "", fmt.Sprintf("cannot end session `%s`", id), traceparent)
	return err
}

func (s *stsClient) call(ctx context.Context, method, path, body, contentType, what, traceparent string) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var resp *http.Response
	for attempt := 1; ; attempt++ {
		var reader io.Reader
		if body != "" {
			reader = strings.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, s.baseURL+path, reader)
		if err != nil {
			return nil, &Error{Kind: KindConfig, Reason: "config_invalid", Message: fmt.Sprintf("caracal: %s: bad sts url %q: %v", what, s.baseURL, err), Err: err}
		}
		req.Header.Set("Authorization", s.basic)
		req.Header.Set("Accept", "application/json")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if traceparent != "" {
			req.Header.Set("traceparent", traceparent)
		}
		resp, err = s.http.Do(req)
		if err != nil {
			return nil, &Error{Kind: KindTransport, Reason: "sts_unreachable", Err: err,
				Message: fmt.Sprintf("caracal: %s: the sts at %s is unreachable (%v)", what, s.baseURL, err)}
		}
		// a 429 means the STS did nothing, so even a POST may be sent again
		if resp.StatusCode == http.StatusTooManyRequests && attempt < rateLimitTries {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err := sleepCtx(ctx, retryAfter(resp.Header.Get("Retry-After"))); err != nil {
				return nil, err
			}
			continue
		}
		break
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &Error{Kind: KindTransport, Reason: "sts_unreachable", Err: err,
			Message: fmt.Sprintf("caracal: %s: reading the sts answer failed (%v)", what, err)}
	}
	parsed := map[string]any{}
	_ = json.Unmarshal(data, &parsed)
	if parsed == nil {
		parsed = map[string]any{}
	}
	if resp.StatusCode >= 400 {
		return nil, stsError(what, resp.StatusCode, parsed, resp.Header.Get("X-Caracal-Request-Id"))
	}
	return parsed, nil
}

func retryAfter(value string) time.Duration {
	seconds, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil {
		return time.Second
	}
	d := time.Duration(seconds * float64(time.Second))
	if d < 50*time.Millisecond {
		d = 50 * time.Millisecond
	}
	if d > retryAfterCap {
		d = retryAfterCap
	}
	return d
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
