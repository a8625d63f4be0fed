import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseToml, TomlError } from "../src/toml.js";

const PROFILE = `# Caracal runtime profile, written by \`caracal setup\`.
sts_url = "http://127.0.0.1:7070"
gateway_url = "http://127.0.0.1:7080"   # trailing comment
zone_id = "zone_1"
application_id = 'app_literal\\no_escape'
app_client_secret_file = "/tmp/a \\"quoted\\" \\u00e9.secret"
ttl_seconds = 1_800

[[credentials]]
env = "CARACAL_TOKEN_BILLING_API"
resource = "resource://billing-api"
scopes = ["billing:charge", "billing:read"]
upstream_prefix = "http://127.0.0.1:9000/v1"

[[credentials]]
"resource" = "resource://ledger"
scopes = [
  "ledger:read",  # one per line
  "ledger:write",
]
`;

describe("parseToml", () => {
  it("reads every key of a profile", () => {
    const doc = parseToml(PROFILE);
    assert.equal(doc["ttl_seconds"], 1800);
    assert.equal(doc["application_id"], "app_literal\\no_escape");
    assert.equal(doc["app_client_secret_file"], '/tmp/a "quoted" \u00e9.secret');
    assert.deepEqual(doc["credentials"], [
      { env: "CARACAL_TOKEN_BILLING_API", resource: "resource://billing-api", scopes: ["billing:charge", "billing:read"],
        upstream_prefix: "http://127.0.0.1:9000/v1" },
      { resource: "resource://ledger", scopes: ["ledger:read", "ledger:write"] },
    ]);
  });

  it("reads tables, inline tables and nested arrays", () => {
    const doc = parseToml('flag = true\nratio = 0.5\nneg = -3\nnested = [[1, 2], ["a"]]\ninline = { a = 1, b.c = "d" }\n'
      + "[server]\nport = 7070\n[server.tls]\nenabled = false\n");
    assert.deepEqual(doc, {
      flag: true, ratio: 0.5, neg: -3, nested: [[1, 2], ["a"]], inline: { a: 1, b: { c: "d" } },
      server: { port: 7070, tls: { enabled: false } },
    });
  });

  it("says what is wrong and where", () => {
    const cases: Record<string, string> = {
      'a = "open': "unterminated string",
      "a = 1\na = 2": "defined twice",
      'a = """x"""': "multi-line strings",
      "a = 1979-05-27": "dates and times",
      "a = 1 b = 2": "end of the line",
      "[t]\n[t]": "defined twice",
      "= 1": "expected a key",
      "a = [1 2]": "expected `,` or `]`",
      "__proto__ = 1": "not allowed",
    };
    for (const [text, message] of Object.entries(cases)) {
      assert.throws(() => parseToml(text), (e: unknown) => e instanceof TomlError && e.message.includes(message)
        && e.message.includes("line"), text);
    }
  });
});
