package caracal_test

// The shared profile test vectors (sdk/testdata/profiles/cases.json), also run by the Java, Python
// and TypeScript SDKs and the caracal CLI, so the profile readers cannot drift apart.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	caracal "caracal.run/sdk/go"
)

type vectorCase struct {
	Name       string `json:"name"`
	Profile    string `json:"profile"`
	SecretFile *struct {
		Name    string `json:"name"`
		Mode    string `json:"mode"`
		Content string `json:"content"`
	} `json:"secret_file"`
	Expect map[string]any `json:"expect"`
	Error  []string       `json:"error"`
}

func TestProfileVectors(t *testing.T) {
	vectors := filepath.Join("..", "testdata", "profiles")
	data, err := os.ReadFile(filepath.Join(vectors, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index struct {
		Cases []vectorCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &index); err != nil {
		t.Fatal(err)
	}
	for _, c := range index.Cases {
		c := c
		t.Run(c.Name, func(t *testing.T) {
			dir := t.TempDir()
			text, err := os.ReadFile(filepath.Join(vectors, c.Profile))
			if err != nil {
				t.Fatal(err)
			}
			profile := writeFile(t, filepath.Join(dir, "caracal.toml"), string(text), 0o600)
			if c.SecretFile != nil {
				mode, err := strconv.ParseUint(c.SecretFile.Mode, 8, 32)
				if err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(dir, c.SecretFile.Name), c.SecretFile.Content, os.FileMode(mode))
			}
			p, err := caracal.LoadProfile(profile)
			if c.Error != nil {
				if err == nil {
					t.Fatalf("loaded %v; want an error containing %q", p, c.Error)
				}
				for _, part := range c.Error {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("`%s` lacks `%s`", err.Error(), part)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			credentials := []any{}
			for _, cred := range p.Credentials {
				scopes := []any{}
				for _, s := range cred.Scopes {
					scopes = append(scopes, s)
				}
				var prefix any
				if cred.UpstreamPrefix != "" {
					prefix = cred.UpstreamPrefix
				}
				credentials = append(credentials, map[string]any{"env": cred.Env, "resource": cred.Resource,
					"scopes": scopes, "upstream_prefix": prefix})
			}
			got := map[string]any{"sts_url": p.STSURL, "gateway_url": p.GatewayURL, "zone_id": p.ZoneID,
				"application_id": p.ApplicationID, "secret": p.Secret, "ttl_seconds": float64(p.TTLSeconds),
				"credentials": credentials}
			if !reflect.DeepEqual(got, c.Expect) {
				t.Errorf("got  %v\nwant %v", got, c.Expect)
			}
		})
	}
}
