import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { Caracal, ConfigError, defaultEnvName, loadProfile, resolveProfile, type Env } from "../src/index.js";

function write(path: string, text: string, mode = 0o600): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

function profileText(secretLine: string, sts = "http://127.0.0.1:7070", extra = ""): string {
  return `sts_url = "${sts}"
gateway_url = "http://127.0.0.1:7080"
zone_id = "zone_1"
application_id = "app_1"
${secretLine}
ttl_seconds = 600
${extra}
[[credentials]]
env = "CARACAL_TOKEN_BILLING_API"
resource = "resource://billing-api"
scopes = ["billing:charge"]
upstream_prefix = "http://127.0.0.1:9000/v1"
`;
}

function throwsConfig(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.reason, "config_invalid");
    for (const fragment of fragments) assert.ok(e.message.includes(fragment), `\`${e.message}\` lacks \`${fragment}\``);
    return true;
  });
}

describe("profile", () => {
  let dir: string;
  let secret: string;
  const profile = (text: string, name = "caracal.toml") => write(join(dir, name), text);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "caracal-profile-"));
    secret = write(join(dir, "app.secret"), "s3cret\n");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("loadProfile reads every key and hides the secret", () => {
    const p = loadProfile(profile(profileText(`app_client_secret_file = "${secret}"`)));
    assert.deepEqual([p.stsUrl, p.gatewayUrl, p.zoneId, p.applicationId, p.ttlSeconds],
      ["http://127.0.0.1:7070", "http://127.0.0.1:7080", "zone_1", "app_1", 600]);
    assert.equal(p.secret, "s3cret");
    assert.deepEqual(p.credentials[0], { resource: "resource://billing-api", scopes: ["billing:charge"],
      env: "CARACAL_TOKEN_BILLING_API", upstreamPrefix: "http://127.0.0.1:9000/v1" });
    assert.ok(!JSON.stringify(p).includes("s3cret"));
  });

  it("loadProfile finds a relative secret file beside the profile", () => {
    assert.equal(loadProfile(profile(profileText('app_client_secret_file = "app.secret"'))).secret, "s3cret");
  });

  it("loadProfile names an unknown key", () => {
    const path = profile(profileText(`app_client_secret_file = "${secret}"`, undefined, 'gatway_url = "x"'));
    throwsConfig(() => loadProfile(path), "unknown key `gatway_url`", path);
  });

  it("loadProfile names an unknown credential key", () => {
    const path = profile(profileText(`app_client_secret_file = "${secret}"`) + 'scope = "x"\n');
    throwsConfig(() => loadProfile(path), "credentials[0]", "unknown key `scope`");
  });

  it("loadProfile refuses a secret file readable by others", () => {
    chmodSync(secret, 0o644);
    throwsConfig(() => loadProfile(profile(profileText(`app_client_secret_file = "${secret}"`))),
      "readable by group or others", `chmod 600 ${secret}`);
  });

  it("loadProfile refuses both an inline and a file secret", () => {
    throwsConfig(() => loadProfile(profile(profileText(`app_client_secret_file = "${secret}"\napp_client_secret = "x"`))),
      "only one of `app_client_secret`");
  });

  it("loadProfile accepts an inline secret", () => {
    assert.equal(loadProfile(profile(profileText('app_client_secret = "inline"'))).secret, "inline");
  });

  it("loadProfile names a missing secret file, a missing key and a scopeless credential", () => {
    throwsConfig(() => loadProfile(profile(profileText(`app_client_secret_file = "${join(dir, "gone.secret")}"`))),
      "gone.secret", "does not exist");
    throwsConfig(() => loadProfile(profile(profileText(`app_client_secret_file = "${secret}"`).replace('zone_id = "zone_1"\n', ""))),
      "missing `zone_id`");
    throwsConfig(() => loadProfile(profile(profileText(`app_client_secret_file = "${secret}"`).replace('scopes = ["billing:charge"]\n', ""))),
      "`scopes` must list at least one scope");
  });

  it("loadProfile refuses what is not TOML and a missing file", () => {
    throwsConfig(() => loadProfile(profile("sts_url = ")), "is not valid TOML");
    throwsConfig(() => loadProfile(join(dir, "nope.toml")), "nope.toml", "does not exist");
  });

  it("defaultEnvName follows caracal run", () => {
    assert.equal(defaultEnvName("resource://billing-api"), "CARACAL_TOKEN_BILLING_API");
    assert.equal(defaultEnvName("resource://team/ledger.v2/"), "CARACAL_TOKEN_LEDGER_V2");
  });

  const envVars = (extra: Env = {}): Env => ({
    CARACAL_STS_URL: "http://env-sts", CARACAL_APPLICATION_ID: "app_env", CARACAL_APP_CLIENT_SECRET_FILE: secret,
    CARACAL_GATEWAY_URL: "http://env-gw", HOME: join(dir, "home"), ...extra,
  });

  it("resolveProfile: CARACAL_CONFIG wins over the environment and XDG", () => {
    const path = profile(profileText(`app_client_secret_file = "${secret}"`));
    write(join(dir, "xdg", "caracal", "caracal.toml"), profileText('app_client_secret = "x"', "http://xdg"));
    const p = resolveProfile(envVars({ CARACAL_CONFIG: path, XDG_CONFIG_HOME: join(dir, "xdg") }));
    assert.deepEqual([p.stsUrl, p.source], ["http://127.0.0.1:7070", path]);
  });

  it("resolveProfile: the environment wins over XDG", () => {
    write(join(dir, "xdg", "caracal", "caracal.toml"), profileText('app_client_secret = "x"', "http://xdg"));
    const p = resolveProfile(envVars({ XDG_CONFIG_HOME: join(dir, "xdg"), CARACAL_ZONE_ID: "zone_env",
      CARACAL_TTL_SECONDS: "90", CARACAL_RESOURCE: "resource://ledger", CARACAL_SCOPES: "read, write" }));
    assert.deepEqual([p.stsUrl, p.applicationId, p.gatewayUrl, p.zoneId, p.ttlSeconds, p.secret, p.source],
      ["http://env-sts", "app_env", "http://env-gw", "zone_env", 90, "s3cret", "environment"]);
    assert.deepEqual(p.credentials[0]!.scopes, ["read", "write"]);
    assert.equal(p.credentials[0]!.env, "CARACAL_TOKEN_LEDGER");
  });

  it("resolveProfile: XDG, then ~/.config, when nothing else is set", () => {
    const xdg = write(join(dir, "xdg", "caracal", "caracal.toml"), profileText('app_client_secret = "x"', "http://xdg"));
    assert.deepEqual([resolveProfile({ XDG_CONFIG_HOME: join(dir, "xdg") }).source], [xdg]);
    write(join(dir, "home", ".config", "caracal", "caracal.toml"), profileText('app_client_secret = "x"', "http://home"));
    assert.equal(resolveProfile({ HOME: join(dir, "home") }).stsUrl, "http://home");
  });

  it("resolveProfile ignores a blank CARACAL_CONFIG", () => {
    assert.equal(resolveProfile(envVars({ CARACAL_CONFIG: "  " })).stsUrl, "http://env-sts");
  });

  it("resolveProfile names every option when nothing is configured", () => {
    throwsConfig(() => resolveProfile({ HOME: join(dir, "empty") }), "CARACAL_CONFIG", "CARACAL_STS_URL",
      "CARACAL_APPLICATION_ID", "CARACAL_APP_CLIENT_SECRET_FILE", join(dir, "empty", ".config", "caracal", "caracal.toml"));
  });

  it("resolveProfile names what a partial environment lacks", () => {
    throwsConfig(() => resolveProfile({ CARACAL_STS_URL: "http://x" }), "missing CARACAL_APPLICATION_ID",
      "CARACAL_APP_CLIENT_SECRET_FILE");
    throwsConfig(() => resolveProfile(envVars({ CARACAL_APP_CLIENT_SECRET: "x" })),
      "only one of CARACAL_APP_CLIENT_SECRET and CARACAL_APP_CLIENT_SECRET_FILE");
    throwsConfig(() => resolveProfile(envVars({ CARACAL_TTL_SECONDS: "soon" })), "CARACAL_TTL_SECONDS");
    throwsConfig(() => resolveProfile(envVars({ CARACAL_CONFIG: join(dir, "x.toml") })), "x.toml", "does not exist");
  });

  it("new Caracal() fails with a clear message, or takes a path", () => {
    throwsConfig(() => new Caracal({ env: { HOME: join(dir, "empty") } }), "no caracal configuration");
    const client = new Caracal({ config: profile(profileText(`app_client_secret_file = "${secret}"`)) });
    assert.equal(client.profile.applicationId, "app_1");
  });
});
