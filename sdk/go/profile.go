package caracal

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Profile is the runtime profile an agent runs with, as `caracal setup` writes it.
type Profile struct {
	Source        string // the file it was read from; "" when it came from CARACAL_* variables
	STSURL        string
	GatewayURL    string
	ZoneID        string
	ApplicationID string
	Secret        string
	TTLSeconds    int64
	Credentials   []Credential
}

// Credential is one resource the agent obtains tokens for.
type Credential struct {
	Env            string
	Resource       string
	Scopes         []string
	UpstreamPrefix string
}

// String leaves the secret out.
func (p *Profile) String() string {
	return fmt.Sprintf("Profile{source=%q sts=%q gateway=%q zone=%q app=%q ttl=%d credentials=%d}",
		p.Source, p.STSURL, p.GatewayURL, p.ZoneID, p.ApplicationID, p.TTLSeconds, len(p.Credentials))
}

var (
	topKeys        = []string{"app_client_secret", "app_client_secret_file", "application_id", "credentials", "gateway_url", "sts_url", "ttl_seconds", "zone_id"}
	credentialKeys = []string{"env", "resource", "scopes", "upstream_prefix"}
	envNamePattern = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	scopeSplit     = regexp.MustCompile(`[ ,]+`)
)

// ResolveProfile resolves the profile from an environment (os.LookupEnv when lookup is nil):
// CARACAL_CONFIG, then CARACAL_* variables (when CARACAL_STS_URL or CARACAL_APPLICATION_ID is
// set), then $XDG_CONFIG_HOME/caracal/caracal.toml (default ~/.config). The first that applies
// is used whole.
func ResolveProfile(lookup func(string) (string, bool)) (*Profile, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if config, _ := lookup("CARACAL_CONFIG"); strings.TrimSpace(config) != "" {
		return LoadProfile(config)
	}
	_, hasApp := lookup("CARACAL_APPLICATION_ID")
	_, hasSTS := lookup("CARACAL_STS_URL")
	if hasApp || hasSTS {
		return profileFromEnv(lookup)
	}
	xdg, _ := lookup("XDG_CONFIG_HOME")
	if xdg == "" {
		home, _ := lookup("HOME")
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		xdg = filepath.Join(home, ".config")
	}
	fallback := filepath.Join(xdg, "caracal", "caracal.toml")
	if _, err := os.Stat(fallback); err == nil {
		return LoadProfile(fallback)
	}
	return nil, configError("no runtime profile: set CARACAL_CONFIG to a profile file (written by `caracal setup`), "+
		"set CARACAL_STS_URL / CARACAL_APPLICATION_ID / CARACAL_APP_CLIENT_SECRET_FILE, or create %s", fallback)
}

// LoadProfile reads a TOML runtime profile.
func LoadProfile(file string) (*Profile, error) {
	info, err := os.Stat(file)
	if err != nil || !info.Mode().IsRegular() {
		return nil, configError("profile `%s` does not exist", file)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, configError("cannot read profile `%s`: %v", file, err)
	}
	root, err := parseTOML(string(data))
	if err != nil {
		return nil, configError("profile `%s` is not valid TOML: %v", file, err)
	}
	if err := checkKeys(root, topKeys, file); err != nil {
		return nil, err
	}
	p := &Profile{Source: file, TTLSeconds: 1800}
	for _, f := range []struct {
		key string
		to  *string
	}{{"sts_url", &p.STSURL}, {"gateway_url", &p.GatewayURL}, {"zone_id", &p.ZoneID}, {"application_id", &p.ApplicationID}} {
		if *f.to, err = requiredString(root, f.key, file); err != nil {
			return nil, err
		}
	}
	if v, ok := root["ttl_seconds"]; ok {
		n, isInt := v.(int64)
		if !isInt || n <= 0 {
			return nil, configError("%s: `ttl_seconds` must be a positive integer", file)
		}
		p.TTLSeconds = n
	}
	if p.Secret, err = profileSecret(root, file); err != nil {
		return nil, err
	}
	if raw, ok := root["credentials"]; ok {
		creds, isArray := raw.([]map[string]any)
		if !isArray {
			return nil, configError("%s: `credentials` must be an array of tables ([[credentials]])", file)
		}
		for i, c := range creds {
			where := fmt.Sprintf("%s: credentials[%d]", file, i)
			if err := checkKeys(c, credentialKeys, where); err != nil {
				return nil, err
			}
			resource, err := requiredString(c, "resource", where)
			if err != nil {
				return nil, err
			}
			var scopes []string
			if list, isList := c["scopes"].([]any); isList {
				for _, s := range list {
					text, isText := s.(string)
					if !isText {
						return nil, configError("%s: `scopes` must be a list of strings", where)
					}
					scopes = append(scopes, text)
				}
			} else if _, present := c["scopes"]; present {
				return nil, configError("%s: `scopes` must be a list of strings", where)
			}
			if len(scopes) == 0 {
				return nil, configError("%s: `scopes` must list at least one scope", where)
			}
			env := DefaultTokenEnv(resource)
			if v, present := c["env"]; present {
				if env, ok = v.(string); !ok {
					return nil, configError("%s: `env` must be a string", where)
				}
			}
			if !envNamePattern.MatchString(env) {
				return nil, configError("%s: `env` `%s` must be an upper-case environment variable name", where, env)
			}
			prefix := ""
			if v, present := c["upstream_prefix"]; present {
				if prefix, ok = v.(string); !ok {
					return nil, configError("%s: `upstream_prefix` must be a string", where)
				}
			}
			p.Credentials = append(p.Credentials, Credential{Env: env, Resource: resource, Scopes: scopes, UpstreamPrefix: prefix})
		}
	}
	return p, nil
}

func profileFromEnv(lookup func(string) (string, bool)) (*Profile, error) {
	required := func(name string) (string, error) {
		v, _ := lookup(name)
		if strings.TrimSpace(v) == "" {
			return "", configError("environment variable %s is not set (and CARACAL_CONFIG names no profile)", name)
		}
		return v, nil
	}
	p := &Profile{TTLSeconds: 1800}
	var err error
	if p.STSURL, err = required("CARACAL_STS_URL"); err != nil {
		return nil, err
	}
	if p.ApplicationID, err = required("CARACAL_APPLICATION_ID"); err != nil {
		return nil, err
	}
	inline, hasInline := lookup("CARACAL_APP_CLIENT_SECRET")
	_, hasFile := lookup("CARACAL_APP_CLIENT_SECRET_FILE")
	switch {
	case hasInline && hasFile:
		return nil, configError("set only one of CARACAL_APP_CLIENT_SECRET and CARACAL_APP_CLIENT_SECRET_FILE")
	case hasInline:
		if strings.TrimSpace(inline) == "" {
			return nil, configError("environment variable CARACAL_APP_CLIENT_SECRET is empty")
		}
		p.Secret = inline
	default:
		file, err := required("CARACAL_APP_CLIENT_SECRET_FILE")
		if err != nil {
			return nil, err
		}
		if p.Secret, err = readSecretFile(file, "environment"); err != nil {
			return nil, err
		}
	}
	p.GatewayURL, _ = lookup("CARACAL_GATEWAY_URL")
	p.ZoneID, _ = lookup("CARACAL_ZONE_ID")
	if ttl, ok := lookup("CARACAL_TTL_SECONDS"); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(ttl), 10, 64)
		if err != nil || n <= 0 {
			return nil, configError("environment variable CARACAL_TTL_SECONDS must be a positive integer, not %q", ttl)
		}
		p.TTLSeconds = n
	}
	if resource, ok := lookup("CARACAL_RESOURCE"); ok && resource != "" {
		raw, _ := lookup("CARACAL_SCOPES")
		var scopes []string
		for _, s := range scopeSplit.Split(raw, -1) {
			if s != "" {
				scopes = append(scopes, s)
			}
		}
		if len(scopes) == 0 {
			return nil, configError("CARACAL_RESOURCE is set but CARACAL_SCOPES lists no scope")
		}
		p.Credentials = []Credential{{Env: DefaultTokenEnv(resource), Resource: resource, Scopes: scopes}}
	}
	return p, nil
}

// DefaultTokenEnv names a credential's variable: resource://billing-api → CARACAL_TOKEN_BILLING_API.
func DefaultTokenEnv(resource string) string {
	last := strings.TrimRight(resource, "/")
	last = last[strings.LastIndex(last, "/")+1:]
	var b strings.Builder
	for _, r := range strings.ToUpper(last) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return "CARACAL_TOKEN_" + b.String()
}

func profileSecret(root map[string]any, file string) (string, error) {
	inline, hasInline := root["app_client_secret"]
	path, hasFile := root["app_client_secret_file"]
	if hasInline && hasFile {
		return "", configError("%s: set only one of `app_client_secret` and `app_client_secret_file`", file)
	}
	if hasInline {
		s, ok := inline.(string)
		if !ok || strings.TrimSpace(s) == "" {
			return "", configError("%s: `app_client_secret` must be a non-empty string", file)
		}
		return strings.TrimSpace(s), nil // as every other reader (and a secret file) does
	}
	if !hasFile {
		return "", configError("%s: missing `app_client_secret_file`", file)
	}
	s, ok := path.(string)
	if !ok || s == "" {
		return "", configError("%s: `app_client_secret_file` must be a non-empty string", file)
	}
	if !filepath.IsAbs(s) {
		if abs, err := filepath.Abs(file); err == nil {
			s = filepath.Join(filepath.Dir(abs), s)
		}
	}
	return readSecretFile(s, file)
}

func readSecretFile(path, where string) (string, error) {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return "", configError("%s: secret file `%s` does not exist", where, path)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return "", configError("secret file `%s` is readable by group or others; run `chmod 600 %s`", path, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", configError("cannot read secret file `%s`: %v", path, err)
	}
	secret := strings.TrimSpace(string(data))
	if secret == "" {
		return "", configError("secret file `%s` is empty", path)
	}
	return secret, nil
}

func checkKeys(node map[string]any, allowed []string, where string) error {
	var unknown []string
	for key := range node {
		found := false
		for _, a := range allowed {
			if a == key {
				found = true
				break
			}
		}
		if !found {
			unknown = append(unknown, key)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return configError("%s: unknown key `%s` (expected one of %s)", where, unknown[0], strings.Join(allowed, ", "))
	}
	return nil
}

func requiredString(node map[string]any, key, where string) (string, error) {
	v, present := node[key]
	if !present {
		return "", configError("%s: missing `%s`", where, key)
	}
	s, ok := v.(string)
	if !ok {
		return "", configError("%s: `%s` must be a string", where, key)
	}
	if strings.TrimSpace(s) == "" {
		return "", configError("%s: missing `%s`", where, key)
	}
	return s, nil
}
