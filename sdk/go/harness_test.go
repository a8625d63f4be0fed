package caracal_test

// A real Caracal stack for the integration tests: the built CLI jar runs `serve` on a temporary
// CARACAL_HOME (ports 0), an httptest upstream echoes what reaches it, and `caracal setup` writes
// runtime profiles against both. The jar is $CARACAL_JAR or cli/target/caracal.jar, copied first.
// Without a jar or java the integration tests are skipped, unless CARACAL_SDK_REQUIRE_SERVER=1.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

type stack struct {
	work, jar, java     string
	stsURL, gatewayURL  string
	upstream            *httptest.Server
	cmd                 *exec.Cmd
	exited              chan struct{}
	mainProfile, denied string
	hitsMu              sync.Mutex
	hits                map[string]int
}

var (
	srv     *stack
	skipWhy string
)

const (
	echoResource   = "resource://echo"
	ledgerResource = "resource://ledger"
	denyPolicy     = `apiVersion: caracal.run/v1
kind: Policy
metadata: {name: sdk-deny, description: The SDK tests' zone never grants admin and never deletes}
spec:
  resources: ["resource://ledger"]
  rules:
    - name: agents-read-and-write
      effect: allow
      scopes: ["read", "write", "admin"]
      when: "true"
    - name: never-admin
      effect: deny
      scopes: ["admin"]
      when: "true"
      reason: admin is never granted to agents
    - name: no-deletes
      effect: deny
      scopes: ["*"]
      when: "request.method == 'DELETE'"
      reason: agents may not delete
---
apiVersion: caracal.run/v1
kind: PolicySet
metadata: {name: sdk-deny}
spec: {policies: [sdk-deny]}
`
)

func repoRoot() string {
	wd, _ := os.Getwd()
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

func jarPath() string {
	if j := os.Getenv("CARACAL_JAR"); j != "" {
		return j
	}
	return filepath.Join(repoRoot(), "cli", "target", "caracal.jar")
}

func javaPath() string {
	if j := os.Getenv("CARACAL_JAVA"); j != "" {
		return j
	}
	if h := os.Getenv("JAVA_HOME"); h != "" {
		return filepath.Join(h, "bin", "java")
	}
	if p, err := exec.LookPath("java"); err == nil {
		return p
	}
	return ""
}

func TestMain(m *testing.M) {
	code := func() int {
		// run under `caracal run`, the tests' top-level spawns would be delegated from its session;
		// the tests that want one set these per test
		os.Unsetenv("CARACAL_SESSION_TOKEN")
		os.Unsetenv("CARACAL_SESSION_ID")
		if _, err := os.Stat(jarPath()); err != nil {
			skipWhy = "the caracal jar is not built (" + jarPath() + " is missing)"
		} else if javaPath() == "" {
			skipWhy = "no `java` on PATH (set JAVA_HOME or CARACAL_JAVA)"
		}
		if skipWhy != "" {
			if os.Getenv("CARACAL_SDK_REQUIRE_SERVER") == "1" {
				fmt.Fprintln(os.Stderr, "integration tests cannot run:", skipWhy)
				return 1
			}
			fmt.Println("# integration tests skipped:", skipWhy)
			return m.Run()
		}
		s, err := startStack()
		if s != nil {
			defer s.stop()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "cannot start the caracal stack:", err)
			return 1
		}
		srv = s
		return m.Run()
	}()
	os.Exit(code)
}

func needServer(t *testing.T) *stack {
	t.Helper()
	if srv == nil {
		t.Skip("integration tests skipped: " + skipWhy)
	}
	return srv
}

func startStack() (*stack, error) {
	work, err := os.MkdirTemp("", "caracal-sdk-go-")
	if err != nil {
		return nil, err
	}
	s := &stack{work: work, jar: filepath.Join(work, "caracal.jar"), java: javaPath(), hits: map[string]int{}, exited: make(chan struct{})}
	data, err := os.ReadFile(jarPath())
	if err != nil {
		return s, err
	}
	if err := os.WriteFile(s.jar, data, 0o644); err != nil {
		return s, err
	}
	s.upstream = httptest.NewServer(http.HandlerFunc(s.echo))
	if err := s.serve(); err != nil {
		return s, err
	}
	if s.mainProfile, err = s.setup("sdk-go", "agent", echoResource, "read,write", s.upstream.URL+"/api"); err != nil {
		return s, err
	}
	if s.denied, err = s.setup("sdk-go-deny", "denied-agent", ledgerResource, "read,write,admin", s.upstream.URL+"/ledger"); err != nil {
		return s, err
	}
	zone := "sdk-go-deny"
	if p, err := loadZone(s.denied); err == nil {
		zone = p
	}
	if err := s.admin("POST", "/admin/v1/zones/"+zone+"/policies", map[string]any{"files": []any{map[string]any{"name": "sdk-deny.yaml", "content": denyPolicy}}}); err != nil {
		return s, err
	}
	if err := s.admin("POST", "/admin/v1/zones/"+zone+"/activate", map[string]any{"policy_set": "sdk-deny"}); err != nil {
		return s, err
	}
	return s, nil
}

// echo answers every request with JSON describing it; /status/<code> answers with that status.
func (s *stack) echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.hitsMu.Lock()
	s.hits[r.URL.Path]++
	s.hitsMu.Unlock()
	status := 200
	parts := strings.Split(r.URL.Path, "/")
	for i, p := range parts {
		if p == "status" && i+1 < len(parts) {
			fmt.Sscanf(parts[i+1], "%d", &status)
		}
	}
	headers := map[string]string{}
	for k, v := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	out, _ := json.Marshal(map[string]any{"method": r.Method, "path": r.URL.RequestURI(), "headers": headers, "body": string(body)})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(out)
}

func (s *stack) hitCount(path string) int {
	s.hitsMu.Lock()
	defer s.hitsMu.Unlock()
	return s.hits[path]
}

func (s *stack) home() string { return filepath.Join(s.work, "home") }

func (s *stack) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CARACAL_") || strings.HasPrefix(kv, "CARACAL_JAVA=") {
			env = append(env, kv)
		}
	}
	return append(env, "CARACAL_HOME="+s.home())
}

func (s *stack) serve() error {
	if err := os.Mkdir(s.home(), 0o700); err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(s.work, "server.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	s.cmd = exec.Command(s.java, "-Xmx768m", "-jar", s.jar, "serve", "--sts-port", "0", "--gateway-port", "0")
	s.cmd.Env = s.env()
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("caracal serve exited early:\n%s", s.serverLog())
		default:
		}
		if data, err := os.ReadFile(filepath.Join(s.home(), "server.json")); err == nil {
			var state struct {
				STS     string `json:"sts_url"`
				Gateway string `json:"gateway_url"`
			}
			if json.Unmarshal(data, &state) == nil && state.STS != "" {
				s.stsURL, s.gatewayURL = state.STS, state.Gateway
				if resp, err := http.Get(s.stsURL + "/.well-known/oauth-authorization-server"); err == nil {
					resp.Body.Close()
					if resp.StatusCode == 200 {
						return nil
					}
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("caracal serve did not start within 120 s:\n%s", s.serverLog())
}

func (s *stack) serverLog() string {
	data, _ := os.ReadFile(filepath.Join(s.work, "server.log"))
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}

// cli runs `caracal ARGS` from the jar against this server.
func (s *stack) cli(args ...string) (string, error) {
	cmd := exec.Command(s.java, append([]string{"-jar", s.jar}, args...)...)
	cmd.Env = s.env()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("caracal %s: %v\n%s\n%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String(), nil
}

func (s *stack) setup(zone, app, resource, scopes, upstream string) (string, error) {
	folder := filepath.Join(s.work, "profiles", zone+"-"+app)
	profile := filepath.Join(folder, "caracal.toml")
	_, err := s.cli("setup", "--zone", zone, "--app", app, "--resource-id", resource, "--scopes", scopes,
		"--upstream", upstream, "--profile", profile, "--secret-file", filepath.Join(folder, app+".secret"), "--yes")
	return profile, err
}

func (s *stack) admin(method, path string, body any) error {
	token, err := os.ReadFile(filepath.Join(s.home(), "admin.token"))
	if err != nil {
		return err
	}
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.stsURL+path, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("admin %s %s failed: %d %s", method, path, resp.StatusCode, text)
	}
	return nil
}

func (s *stack) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		select {
		case <-s.exited:
		default:
			s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(20 * time.Second):
				s.cmd.Process.Kill()
				<-s.exited
			}
		}
	}
	if s.upstream != nil {
		s.upstream.Close()
	}
	os.RemoveAll(s.work)
}
