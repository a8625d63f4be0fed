/**
 * The shared profile test vectors (sdk/testdata/profiles/cases.json), also run by the Java, Python
 * and Go SDKs and the caracal CLI, so the profile readers cannot drift apart.
 */
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { ConfigError, loadProfile } from "../src/index.js";

// compiled to dist/test/: the vectors are three folders up, beside the SDKs
const VECTORS = fileURLToPath(new URL("../../../testdata/profiles/", import.meta.url));

interface Case {
  name: string;
  profile: string;
  secret_file?: { name: string; mode: string; content: string };
  expect?: unknown;
  error?: string[];
}

const cases = (JSON.parse(readFileSync(join(VECTORS, "cases.json"), "utf8")) as { cases: Case[] }).cases;

describe("profile test vectors", () => {
  for (const c of cases) {
    it(c.name, () => {
      const dir = mkdtempSync(join(tmpdir(), "caracal-vector-"));
      try {
        const profile = join(dir, "caracal.toml");
        copyFileSync(join(VECTORS, c.profile), profile);
        if (c.secret_file) {
          const path = join(dir, c.secret_file.name);
          writeFileSync(path, c.secret_file.content);
          chmodSync(path, parseInt(c.secret_file.mode, 8));
        }
        if (c.error) {
          assert.throws(() => loadProfile(profile), (e: unknown) => {
            assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
            for (const part of c.error ?? []) assert.ok(e.message.includes(part), `\`${e.message}\` lacks \`${part}\``);
            return true;
          });
          return;
        }
        const p = loadProfile(profile);
        assert.deepEqual({
          sts_url: p.stsUrl, gateway_url: p.gatewayUrl, zone_id: p.zoneId, application_id: p.applicationId,
          secret: p.secret, ttl_seconds: p.ttlSeconds,
          credentials: p.credentials.map((cred) => ({
            env: cred.env, resource: cred.resource, scopes: [...cred.scopes], upstream_prefix: cred.upstreamPrefix ?? null,
          })),
        }, c.expect);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
