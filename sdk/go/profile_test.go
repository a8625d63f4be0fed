package caracal_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	caracal "caracal.run/sdk/go"
)

func writeFile(t *testing.T, path, text string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

const profileText = `# Caracal runtime profile, written by ` + "`caracal setup`" + `.
sts_url = "http://127.0.0.1:7070"
gateway_url = "http://127.0.0.1:7080" # trailing comment
zone_id = "zone_1"
application_id = "app_%s"
app_client_secret_file = "app.secret"
ttl_seconds = 600

[[credentials]]
env = "CARACAL_TOKEN_BILLING_API"
resource = "resource://billing-api"
scopes = ["billing:charge", "billing:#read"]
upstream_prefix = "http://127.0.0.1:9000"

[[credentials]]
resource = "resource://ledger-v2"
scopes = [
  "read",
  "write",
]
`

func profileIn(t *testing.T, dir, app string) string {
	writeFile(t, filepath.Join(dir, "app.secret"), "s3cret\n", 0o600)
	return writeFile(t, filepath.Join(dir, "caracal.toml"), strings.Replace(profileText, "%s", app, 1), 0o600)
}

func configErr(t *testing.T, err error, want string) {
	t.Helper()
	var ce *caracal.Error
	if !errors.As(err, &ce) || ce.Kind != caracal.KindConfig {
		t.Fatalf("expected a config error containing %q, got %v", want, err)
	}
	if !strings.Contains(ce.Error(), want) {
		t.Fatalf("error %q does not contain %q", ce.Error(), want)
	}
}

func TestLoadProfile(t *testing.T) {
	dir := t.TempDir()
	p, err := caracal.LoadProfile(profileIn(t, dir, "one"))
	if err != nil {
		t.Fatal(err)
	}
	if p.STSURL != "http://127.0.0.1:7070" || p.GatewayURL != "http://127.0.0.1:7080" || p.ApplicationID != "app_one" ||
		p.Secret != "s3cret" || p.TTLSeconds != 600 || p.ZoneID != "zone_1" {
		t.Fatalf("unexpected profile %+v", p)
	}
	if len(p.Credentials) != 2 {
		t.Fatalf("credentials: %+v", p.Credentials)
	}
	c0, c1 := p.Credentials[0], p.Credentials[1]
	if c0.Resource != "resource://billing-api" || strings.Join(c0.Scopes, " ") != "billing:charge billing:#read" || c0.UpstreamPrefix != "http://127.0.0.1:9000" {
		t.Fatalf("credential 0: %+v", c0)
	}
	if c1.Env != "CARACAL_TOKEN_LEDGER_V2" || strings.Join(c1.Scopes, " ") != "read write" {
		t.Fatalf("credential 1: %+v", c1)
	}
	if strings.Contains(p.String(), "s3cret") {
		t.Fatal("String() prints the secret")
	}
}

func TestProfilePrecedence(t *testing.T) {
	dir := t.TempDir()
	config := profileIn(t, filepath.Join(dir, "config"), "from_config")
	xdg := filepath.Join(dir, "xdg")
	profileIn(t, filepath.Join(xdg, "caracal"), "from_xdg")
	secret := writeFile(t, filepath.Join(dir, "env.secret"), "env-secret", 0o600)
	envVars := map[string]string{
		"CARACAL_STS_URL": "http://sts.example", "CARACAL_APPLICATION_ID": "app_from_env",
		"CARACAL_APP_CLIENT_SECRET_FILE": secret, "CARACAL_RESOURCE": "resource://billing-api",
		"CARACAL_SCOPES": "a, b c", "CARACAL_TTL_SECONDS": "90", "XDG_CONFIG_HOME": xdg,
	}
	app := func(env map[string]string) string {
		t.Helper()
		c, err := caracal.New(caracal.WithEnv(env))
		if err != nil {
			t.Fatal(err)
		}
		return c.Profile.ApplicationID
	}
	withConfig := map[string]string{"CARACAL_CONFIG": config}
	for k, v := range envVars {
		withConfig[k] = v
	}
	if got := app(withConfig); got != "app_from_config" {
		t.Fatalf("CARACAL_CONFIG should win, got %s", got)
	}
	if got := app(envVars); got != "app_from_env" {
		t.Fatalf("CARACAL_* should beat XDG, got %s", got)
	}
	c, _ := caracal.New(caracal.WithEnv(envVars))
	if c.Profile.TTLSeconds != 90 || c.Profile.Secret != "env-secret" || strings.Join(c.Profile.Credentials[0].Scopes, "|") != "a|b|c" ||
		c.Profile.Credentials[0].Env != "CARACAL_TOKEN_BILLING_API" {
		t.Fatalf("env profile: %+v", c.Profile)
	}
	if got := app(map[string]string{"XDG_CONFIG_HOME": xdg}); got != "app_from_xdg" {
		t.Fatalf("XDG fallback, got %s", got)
	}
	_, err := caracal.New(caracal.WithEnv(map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "nowhere")}))
	configErr(t, err, "no runtime profile: set CARACAL_CONFIG")
	_, err = caracal.New(caracal.WithEnv(map[string]string{"CARACAL_APPLICATION_ID": "x"}))
	configErr(t, err, "CARACAL_STS_URL is not set")
	_, err = caracal.New(caracal.WithEnv(map[string]string{"CARACAL_STS_URL": "http://s", "CARACAL_APPLICATION_ID": "x",
		"CARACAL_APP_CLIENT_SECRET": "a", "CARACAL_APP_CLIENT_SECRET_FILE": secret}))
	configErr(t, err, "set only one of CARACAL_APP_CLIENT_SECRET and CARACAL_APP_CLIENT_SECRET_FILE")
	_, err = caracal.New(caracal.WithEnv(map[string]string{"CARACAL_CONFIG": filepath.Join(dir, "missing.toml")}))
	configErr(t, err, "missing.toml` does not exist")
}

func TestProfileErrors(t *testing.T) {
	dir := t.TempDir()
	good := profileIn(t, dir, "x")
	text, _ := os.ReadFile(good)
	cases := []struct{ name, edit, want string }{
		{"unknown key", string(text) + "\n", ""},
		{"unknown top key", strings.Replace(string(text), "ttl_seconds = 600", "ttl_seconds = 600\ncolour = \"red\"", 1), "unknown key `colour`"},
		{"unknown credential key", strings.Replace(string(text), "upstream_prefix =", "upstream = \"x\"\nupstream_prefix =", 1), "credentials[0]: unknown key `upstream`"},
		{"both secrets", strings.Replace(string(text), "ttl_seconds", "app_client_secret = \"inline\"\nttl_seconds", 1), "set only one of `app_client_secret` and `app_client_secret_file`"},
		{"missing key", strings.Replace(string(text), "zone_id = \"zone_1\"\n", "", 1), "missing `zone_id`"},
		{"bad toml", strings.Replace(string(text), "zone_id = \"zone_1\"", "zone_id = \"zone_1", 1), "is not valid TOML"},
		{"no scopes", strings.Replace(string(text), "scopes = [\"billing:charge\", \"billing:#read\"]", "scopes = []", 1), "at least one scope"},
		{"bad env", strings.Replace(string(text), "env = \"CARACAL_TOKEN_BILLING_API\"", "env = \"lower\"", 1), "upper-case environment variable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, filepath.Join(dir, "case.toml"), tc.edit, 0o600)
			_, err := caracal.LoadProfile(path)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			configErr(t, err, tc.want)
		})
	}
	t.Run("group-readable secret", func(t *testing.T) {
		d := t.TempDir()
		path := profileIn(t, d, "y")
		os.Chmod(filepath.Join(d, "app.secret"), 0o640)
		_, err := caracal.LoadProfile(path)
		configErr(t, err, "is readable by group or others; run `chmod 600")
	})
}

func TestNoSession(t *testing.T) {
	dir := t.TempDir()
	c, err := caracal.New(caracal.WithConfig(profileIn(t, dir, "z")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GatewayRequest(context.Background(), "resource://billing-api", "/x")
	if !errors.Is(err, caracal.ErrNoSession) {
		t.Fatalf("expected ErrNoSession, got %v", err)
	}
}
