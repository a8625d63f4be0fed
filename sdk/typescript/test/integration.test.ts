/** The SDK against a real Caracal server (the built jar) and a real upstream; see harness.ts. */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  AgentSession,
  Caracal,
  CaracalError,
  GatewayError,
  Grant,
  NoActiveSessionError,
  StsError,
} from "../src/index.js";
import { REPO, SDK_TYPESCRIPT, Stack, unavailable, type Seen } from "./harness.js";

const run = promisify(execFile);
const ECHO = "resource://echo";
const LEDGER = "resource://ledger";
const DENY_POLICY = `apiVersion: caracal.run/v1
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
`;

const skip = unavailable();
if (skip) console.log(`# ${skip}`);

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

function bearer(headers: Record<string, string>): string {
  const value = headers["Authorization"];
  assert.ok(value, "no Authorization header");
  return value.replace(/^Bearer /, "");
}

async function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; requestId: string | null; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = {};
  }
  return { status: response.status, requestId: response.headers.get("x-caracal-request-id"), body };
}

async function rejects<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    return e;
  }
  assert.fail(`expected ${type.name}, nothing was thrown`);
}

/** The STS's session API with an app's own credentials, as `caracal run` calls it. */
async function appSessions(profile: string, method: "POST" | "GET" | "DELETE", path: string, body?: unknown): Promise<Record<string, unknown>> {
  const { stsUrl, applicationId, secret } = new Caracal({ config: profile }).profile;
  const response = await fetch(stsUrl + path, {
    method,
    headers: { Authorization: "Basic " + Buffer.from(`${applicationId}:${secret}`, "utf8").toString("base64"),
      "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} failed: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
}

/** Runs `fn` with CARACAL_SESSION_TOKEN (and CARACAL_SESSION_ID) set as `caracal run` sets them. */
async function underRun<T>(session: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  const saved = { token: process.env["CARACAL_SESSION_TOKEN"], id: process.env["CARACAL_SESSION_ID"] };
  process.env["CARACAL_SESSION_TOKEN"] = session["session_token"] as string;
  process.env["CARACAL_SESSION_ID"] = session["session_id"] as string;
  try {
    return await fn();
  } finally {
    restoreEnv("CARACAL_SESSION_TOKEN", saved.token);
    restoreEnv("CARACAL_SESSION_ID", saved.id);
  }
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

describe("against a real server", { skip }, () => {
  let stack: Stack;
  let main: string; // zone sdk-ts, resource://echo (read, write), upstream <upstream>/api
  let deny: string; // zone sdk-ts-deny, resource://ledger (read, write, admin) under a deny policy
  // a session of an enclosing `caracal run` would make every top-level spawn here a delegated one
  const inherited = { token: process.env["CARACAL_SESSION_TOKEN"], id: process.env["CARACAL_SESSION_ID"] };

  before(async () => {
    delete process.env["CARACAL_SESSION_TOKEN"];
    delete process.env["CARACAL_SESSION_ID"];
    stack = await Stack.start();
    main = await stack.setup("sdk-ts", "agent", ECHO, "read,write", `${stack.upstream.url}/api`);
    deny = await stack.setup("sdk-ts-deny", "denied-agent", LEDGER, "read,write,admin", `${stack.upstream.url}/ledger`);
    const zone = new Caracal({ config: deny }).profile.zoneId;
    await stack.admin("POST", `/admin/v1/zones/${zone}/policies`, { files: [{ name: "sdk-deny.yaml", content: DENY_POLICY }] });
    await stack.admin("POST", `/admin/v1/zones/${zone}/activate`, { policy_set: "sdk-deny" });
  });

  after(async () => {
    restoreEnv("CARACAL_SESSION_TOKEN", inherited.token);
    restoreEnv("CARACAL_SESSION_ID", inherited.id);
    await stack?.stop();
  });

  describe("profile written by caracal setup", () => {
    it("new Caracal() loads it from CARACAL_CONFIG", () => {
      const client = new Caracal({ env: { CARACAL_CONFIG: main } });
      assert.equal(client.profile.stsUrl, stack.stsUrl);
      assert.equal(client.profile.gatewayUrl, stack.gatewayUrl);
      assert.match(client.profile.applicationId, /^app_/);
      assert.deepEqual(client.profile.credentials[0], { resource: ECHO, scopes: ["read", "write"],
        env: "CARACAL_TOKEN_ECHO", upstreamPrefix: `${stack.upstream.url}/api` });
    });

    it("CARACAL_* variables reach the server", async () => {
      const profile = new Caracal({ config: main }).profile;
      const client = new Caracal({ env: {
        CARACAL_STS_URL: profile.stsUrl, CARACAL_GATEWAY_URL: profile.gatewayUrl,
        CARACAL_APPLICATION_ID: profile.applicationId, CARACAL_APP_CLIENT_SECRET_FILE: join(dirname(main), "agent.secret"),
        CARACAL_TTL_SECONDS: "120", CARACAL_RESOURCE: ECHO, CARACAL_SCOPES: "read",
      } });
      assert.equal(client.profile.source, "environment");
      await client.spawn(async (session) => {
        assert.deepEqual(session.scopes, ["read"]);
        assert.ok(session.secondsLeft <= 120);
        const request = client.gatewayRequest(ECHO, "/env");
        assert.equal((await client.transport()(request.url, { headers: request.headers })).status, 200);
      });
    });

    it("CARACAL_CONFIG wins over the environment", async () => {
      const client = new Caracal({ env: { CARACAL_CONFIG: main, CARACAL_STS_URL: "http://127.0.0.1:9",
        CARACAL_APPLICATION_ID: "app_wrong", CARACAL_APP_CLIENT_SECRET: "wrong" } });
      await client.spawn((session) => assert.match(session.id, /^ses_/));
    });

    it("the XDG profile is the last resort", async () => {
      const xdg = mkdtempSync(join(tmpdir(), "caracal-xdg-"));
      try {
        mkdirSync(join(xdg, "caracal"));
        copyFileSync(main, join(xdg, "caracal", "caracal.toml"));
        const client = new Caracal({ env: { XDG_CONFIG_HOME: xdg } });
        assert.equal(client.profile.source, join(xdg, "caracal", "caracal.toml"));
        await client.spawn(() => assert.equal(client.gatewayRequest(ECHO, "/").resourceId, ECHO));
      } finally {
        rmSync(xdg, { recursive: true, force: true });
      }
    });

    it("a wrong secret surfaces the STS reason and request id", async () => {
      const profile = new Caracal({ config: main }).profile;
      const client = new Caracal({ env: { CARACAL_STS_URL: profile.stsUrl, CARACAL_APPLICATION_ID: profile.applicationId,
        CARACAL_APP_CLIENT_SECRET: "not-the-secret" } });
      const error = await rejects(client.spawn(() => assert.fail("a session opened with a wrong secret")), StsError);
      assert.deepEqual([error.status, error.error, error.reason], [401, "invalid_client", "client_auth_failed"]);
      assert.ok(error.requestId);
    });
  });

  describe("spawn", () => {
    it("calls a resource through the Gateway with trace context", async () => {
      const caracal = new Caracal({ config: main });
      let seen!: Seen;
      let requestId: string | null = null;
      const session = await caracal.spawn(async (s) => {
        assert.equal(caracal.currentSession(), s);
        const request = caracal.gatewayRequest(ECHO, "/charge");
        assert.equal(request.url, `${stack.gatewayUrl}/charge`);
        assert.equal(request.headers["X-Caracal-Resource"], ECHO);
        assert.ok(request.headers["Authorization"]); // obtained when the session opened
        const response = await caracal.transport()(request.url, {
          method: "POST",
          headers: { ...request.headers, "Content-Type": "application/json" },
          body: JSON.stringify({ amount: 1200 }),
        });
        assert.equal(response.status, 200);
        requestId = response.headers.get("x-caracal-request-id");
        seen = await response.json() as Seen;
        return s;
      });
      assert.equal(caracal.currentSession(), undefined);
      assert.match(requestId ?? "", /^req_/);
      assert.deepEqual([seen.method, seen.path, JSON.parse(seen.body)], ["POST", "/api/charge", { amount: 1200 }]);
      assert.equal(seen.headers["authorization"], undefined); // the Gateway never forwards the agent's token
      assert.equal(seen.headers["traceparent"]!.split("-")[1], session.traceId);
      assert.match(seen.headers["baggage"]!, new RegExp(`caracal\\.session_id=${session.id},caracal\\.hop=0`));
    });

    it("a top-level session is bounded by the profile", async () => {
      const caracal = new Caracal({ config: main });
      await caracal.spawn((session) => {
        assert.deepEqual([session.depth, session.hop, session.delegated], [0, 0, false]);
        assert.deepEqual([...session.scopes].sort(), ["read", "write"]);
        assert.deepEqual(session.resources, [ECHO]);
        const token = claims(bearer(caracal.gatewayRequest(ECHO, "/").headers));
        assert.deepEqual([token["scope"], token["sid"], token["aud"]], ["read write", session.id, ECHO]);
      });
    });

    it("tokens are cached per session and scopes", async () => {
      const caracal = new Caracal({ config: main });
      await caracal.spawn(async () => {
        const first = bearer(caracal.gatewayRequest(ECHO, "/a").headers);
        assert.equal(bearer(caracal.gatewayRequest(ECHO, "/b").headers), first);
        const other = await caracal.token(ECHO, { scopes: ["read"] });
        assert.notEqual(other, first);
        assert.equal(claims(other)["scope"], "read");
        assert.equal(bearer(caracal.gatewayRequest(ECHO, "/c", { scopes: ["read"] }).headers), other);
      });
    });

    it("ending the block revokes the session", async () => {
      const caracal = new Caracal({ config: main });
      const request = await caracal.spawn(async () => {
        const r = caracal.gatewayRequest(ECHO, "/before");
        assert.equal((await rawGet(r.url, r.headers)).status, 200);
        return r;
      });
      const after = await rawGet(request.url, request.headers);
      assert.equal(after.status, 401);
      assert.equal(after.body["reason"], "session_revoked");
      assert.equal(after.body["request_id"], after.requestId);
      // the transport outside a session passes the stale token through; the error explains the refusal
      const response = await caracal.transport()(request.url, { headers: request.headers });
      const error = await GatewayError.fromResponse(response);
      assert.ok(error instanceof GatewayError);
      assert.deepEqual([error.status, error.reason, error.requestId], [401, "session_revoked", response.headers.get("x-caracal-request-id")]);
      assert.ok(error.message.includes(`caracal explain ${error.requestId}`));
      await assert.rejects(caracal.transport({ throwOnError: true })(request.url, { headers: request.headers }),
        (e: unknown) => e instanceof GatewayError && e.reason === "session_revoked");
    });

    it("a block that throws still revokes its session", async () => {
      const caracal = new Caracal({ config: main });
      let request: { url: string; headers: Record<string, string> } | undefined;
      await assert.rejects(caracal.spawn(() => {
        request = caracal.gatewayRequest(ECHO, "/x");
        throw new Error("boom");
      }), /boom/);
      const after = await rawGet(request!.url, request!.headers);
      assert.deepEqual([after.status, after.body["reason"]], [401, "session_revoked"]);
    });

    it("gatewayRequest outside spawn is refused", () => {
      const caracal = new Caracal({ config: main });
      assert.throws(() => caracal.gatewayRequest(ECHO, "/"), (e: unknown) => e instanceof NoActiveSessionError
        && e.message.includes("caracal.spawn("));
    });

    it("a nested spawn inherits by delegation and ends only the child", async () => {
      const caracal = new Caracal({ config: main });
      await caracal.spawn(async (parent) => {
        const childRequest = await caracal.spawn(async (child) => {
          assert.equal(caracal.currentSession(), child);
          assert.deepEqual([child.depth, child.hop, child.delegated, child.rootId, child.traceId],
            [1, 1, true, parent.id, parent.traceId]);
          assert.deepEqual([...child.scopes].sort(), ["read", "write"]);
          const request = caracal.gatewayRequest(ECHO, "/child");
          const token = claims(bearer(request.headers));
          assert.equal(token["sid"], child.id);
          assert.ok(token["act"]); // the delegation chain is in the token
          const seen = await (await caracal.transport()(request.url, { headers: request.headers })).json() as Seen;
          assert.match(seen.headers["baggage"]!, /caracal\.hop=1/);
          return request;
        });
        assert.equal(caracal.currentSession(), parent);
        const revoked = await rawGet(childRequest.url, childRequest.headers);
        assert.deepEqual([revoked.status, revoked.body["reason"]], [401, "session_revoked"]);
        const again = caracal.gatewayRequest(ECHO, "/parent");
        assert.equal((await rawGet(again.url, again.headers)).status, 200);
      });
    });

    it("a narrowed child holds only the subset", async () => {
      const caracal = new Caracal({ config: main });
      await caracal.spawn(() => caracal.spawn(async (child) => {
        assert.deepEqual([child.scopes, child.resources], [["read"], [ECHO]]);
        assert.ok(child.secondsLeft <= 60);
        assert.equal(claims(bearer(caracal.gatewayRequest(ECHO, "/").headers))["scope"], "read");
        const error = await rejects(caracal.token(ECHO, { scopes: ["write"] }), StsError);
        assert.equal(error.error, "invalid_scope");
      }, { grant: Grant.narrow({ scopes: ["read"], resource: ECHO, ttlSeconds: 60 }) }));
    });

    it("a narrowed child cannot widen", async () => {
      const caracal = new Caracal({ config: main });
      const errors: StsError[] = [];
      await caracal.spawn(async () => {
        await caracal.spawn(async () => {
          errors.push(await rejects(caracal.spawn(() => assert.fail("widened"), { grant: Grant.narrow({ scopes: ["read", "write"] }) }), StsError));
        }, { grant: Grant.narrow({ scopes: ["read"] }) });
        errors.push(await rejects(caracal.spawn(() => assert.fail("widened"), { grant: Grant.narrow({ scopes: ["admin"] }) }), StsError));
        const target = await rejects(caracal.spawn(() => assert.fail("widened"), { grant: Grant.narrow({ resource: "resource://elsewhere" }) }), StsError);
        assert.equal(target.error, "invalid_target");
      });
      for (const error of errors) {
        assert.deepEqual([error.status, error.error, error.reason], [400, "invalid_scope", "scope_escalation"]);
        assert.match(error.requestId ?? "", /^req_/);
        assert.ok(error.message.includes(`[caracal explain ${error.requestId}]`));
      }
    });

    it("Grant.none() opens an independent session", async () => {
      const caracal = new Caracal({ config: main });
      await caracal.spawn(async (parent) => {
        await caracal.spawn(async (child) => {
          assert.deepEqual([child.depth, child.delegated, child.hop, child.rootId, child.traceId],
            [0, false, 1, child.id, parent.traceId]);
          const token = claims(await caracal.token(ECHO, { scopes: ["read"] }));
          assert.equal(token["act"], undefined);
        }, { grant: Grant.none() });
        const request = caracal.gatewayRequest(ECHO, "/");
        assert.equal((await rawGet(request.url, request.headers)).status, 200);
      });
    });

    it("under caracal run a top-level spawn is delegated from the run's session", async () => {
      const run = await appSessions(main, "POST", "/v1/sessions", { ttl_seconds: 300 });
      const caracal = new Caracal({ config: main });
      const session = await underRun(run, () => caracal.spawn(async (session) => {
        assert.deepEqual([session.depth, session.hop, session.delegated, session.rootId],
          [1, 0, true, run["session_id"]]);
        assert.deepEqual([...session.scopes].sort(), ["read", "write"]);
        const opened = await appSessions(main, "GET", `/v1/sessions/${session.id}`);
        assert.equal(opened["parent_session_id"], run["session_id"]);
        const request = caracal.gatewayRequest(ECHO, "/under-run");
        assert.ok(claims(bearer(request.headers))["act"]); // the delegation chain is in the token
        assert.equal((await rawGet(request.url, request.headers)).status, 200);
        // ending the run's session (as `caracal run` does when its command exits) ends this one
        await appSessions(main, "DELETE", `/v1/sessions/${run["session_id"]}`);
        const revoked = await rawGet(request.url, request.headers);
        assert.deepEqual([revoked.status, revoked.body["reason"]], [401, "session_revoked"]);
        await assert.rejects(caracal.transport({ throwOnError: true })(request.url, { headers: request.headers }),
          (e: unknown) => e instanceof GatewayError && e.reason === "session_revoked");
        return session;
      }));
      assert.ok((await appSessions(main, "GET", `/v1/sessions/${session.id}`))["terminated_at"]);
      assert.equal(process.env["CARACAL_SESSION_TOKEN"], undefined);
    });

    it("under caracal run Grant.none() at the top level stays independent", async () => {
      const run = await appSessions(main, "POST", "/v1/sessions", { ttl_seconds: 300 });
      const caracal = new Caracal({ config: main });
      try {
        await underRun(run, () => caracal.spawn(async (session) => {
          assert.deepEqual([session.depth, session.hop, session.delegated, session.rootId], [0, 0, false, session.id]);
          const opened = await appSessions(main, "GET", `/v1/sessions/${session.id}`);
          assert.equal(opened["parent_session_id"], null);
          const token = claims(await caracal.token(ECHO, { scopes: ["read"] }));
          assert.equal(token["act"], undefined);
        }, { grant: Grant.none() }));
        // an empty CARACAL_SESSION_TOKEN is no session
        await underRun({ ...run, session_token: "" }, () => caracal.spawn((session) => {
          assert.deepEqual([session.depth, session.delegated], [0, false]);
        }));
      } finally {
        await appSessions(main, "DELETE", `/v1/sessions/${run["session_id"]}`);
      }
    });

    it("concurrent spawns each see their own session", async () => {
      const caracal = new Caracal({ config: main });
      const worker = (name: string) => caracal.spawn(async (session: AgentSession) => {
        await new Promise((ok) => setTimeout(ok, 200));
        assert.equal(caracal.currentSession(), session);
        return [session.id, claims(bearer(caracal.gatewayRequest(ECHO, `/${name}`).headers))["sid"]];
      });
      const [[a, aToken], [b, bToken]] = await Promise.all([worker("a"), worker("b")]);
      assert.notEqual(a, b);
      assert.deepEqual([a, b], [aToken, bToken]);
    });
  });

  describe("transport", () => {
    it("routes URLs under the upstream prefix through the Gateway", async () => {
      const caracal = new Caracal({ config: main });
      const [session, response] = await caracal.spawn(async (s) =>
        [s, await caracal.transport()(`${stack.upstream.url}/api/items?page=2`, { headers: { baggage: "user=alice" } })] as const);
      assert.equal(response.status, 200);
      assert.ok(response.headers.get("x-caracal-request-id"));
      const seen = await response.json() as Seen;
      assert.equal(seen.path, "/api/items?page=2");
      assert.equal(seen.headers["authorization"], undefined);
      assert.equal(seen.headers["baggage"], `user=alice,caracal.session_id=${session.id},caracal.hop=0`);
    });

    it("gives other URLs only a traceparent", async () => {
      const caracal = new Caracal({ config: main });
      const [session, response] = await caracal.spawn(async (s) =>
        [s, await caracal.transport()(new Request(`${stack.upstream.url}/elsewhere`))] as const);
      const seen = await response.json() as Seen;
      assert.equal(response.headers.get("x-caracal-request-id"), null); // straight to the host
      assert.equal(seen.path, "/elsewhere");
      assert.equal(seen.headers["authorization"], undefined);
      assert.equal(seen.headers["baggage"], undefined);
      assert.equal(seen.headers["traceparent"]!.split("-")[1], session.traceId);
    });

    it("refuses an upstream-prefix URL outside spawn", async () => {
      const caracal = new Caracal({ config: main });
      await rejects(caracal.transport()(`${stack.upstream.url}/api/items`), NoActiveSessionError);
    });

    it("adds Authorization when only the resource is named", async () => {
      const caracal = new Caracal({ config: main });
      const response = await caracal.spawn(() => caracal.transport()(`${stack.gatewayUrl}/doc`, {
        method: "PUT", headers: { "X-Caracal-Resource": ECHO }, body: "hello",
      }));
      assert.equal(response.status, 200);
      assert.equal((await response.json() as Seen).body, "hello");
    });

    it("never retries a non-idempotent request", async () => {
      const caracal = new Caracal({ config: main });
      const url = `${stack.upstream.url}/api/status/503`;
      const [post, get] = await caracal.spawn(async () => {
        const http = caracal.transport();
        return [await http(url, { method: "POST", body: "{}" }), await http(url)];
      });
      assert.deepEqual([post.status, get.status], [503, 503]);
      assert.equal(stack.upstream.hits.get("/api/status/503"), 1 + 3); // one POST, a GET tried three times
    });

    it("throwOnError explains an upstream failure with the request id", async () => {
      const caracal = new Caracal({ config: main });
      const error = await rejects(caracal.spawn(() =>
        caracal.transport({ throwOnError: true, retries: 0 })(`${stack.upstream.url}/api/status/404`)), CaracalError);
      assert.ok(!(error instanceof GatewayError)); // the upstream said 404, not the Gateway
      assert.equal(error.status, 404);
      assert.ok(error.requestId);
    });

    it("reports an unreachable Gateway", async () => {
      const profile = { ...new Caracal({ config: main }).profile, gatewayUrl: "http://127.0.0.1:9" };
      Object.defineProperty(profile, "secret", { value: new Caracal({ config: main }).profile.secret });
      const broken = new Caracal({ config: profile });
      const error = await rejects(broken.spawn(() => broken.transport({ retries: 0 })(`${stack.upstream.url}/api/x`)), CaracalError);
      assert.equal(error.reason, "gateway_unreachable");
    });
  });

  describe("denials", () => {
    it("a denied token surfaces reason and request id", async () => {
      const caracal = new Caracal({ config: deny });
      const error = await rejects(caracal.spawn(() => caracal.token(LEDGER, { scopes: ["admin"] })), StsError);
      assert.deepEqual([error.status, error.error, error.reason], [403, "access_denied", "denied_by_rule"]);
      assert.match(error.requestId ?? "", /^req_/);
      assert.equal(error.explainCommand, `caracal explain ${error.requestId}`);
      const explained = await stack.cli("explain", error.requestId!);
      assert.ok(explained.stdout.includes("never-admin"), explained.stdout);
    });

    it("gatewayRequest throws the refusal of a token obtained up front", async () => {
      const caracal = new Caracal({ config: deny }); // the profile asks for read, write and admin
      const error = await rejects(caracal.spawn(() => caracal.gatewayRequest(LEDGER, "/")), StsError);
      assert.deepEqual([error.error, error.reason], ["access_denied", "denied_by_rule"]);
    });

    it("a denied request surfaces reason and request id", async () => {
      const caracal = new Caracal({ config: deny });
      await caracal.spawn(async () => {
        const request = { url: `${stack.gatewayUrl}/entries/7`, headers: { "X-Caracal-Resource": LEDGER,
          Authorization: `Bearer ${await caracal.token(LEDGER, { scopes: ["read", "write"] })}` } };
        const http = caracal.transport();
        assert.equal((await http(request.url, { headers: request.headers })).status, 200);
        const denied = await http(request.url, { method: "DELETE", headers: request.headers });
        assert.equal(denied.status, 403);
        const error = await GatewayError.fromResponse(denied);
        assert.ok(error instanceof GatewayError);
        assert.deepEqual([error.reason, error.requestId], ["denied_by_rule", denied.headers.get("x-caracal-request-id")]);
        const thrown = await rejects(caracal.transport({ throwOnError: true })(request.url, { method: "DELETE", headers: request.headers }), GatewayError);
        assert.equal(thrown.reason, "denied_by_rule");
        assert.notEqual(thrown.requestId, error.requestId);
      });
    });
  });

  describe("token refresh", () => {
    it("short-lived tokens are refreshed before they expire", async () => {
      const caracal = new Caracal({ config: main, tokenTtlSeconds: 3 });
      await caracal.spawn(async () => {
        const first = bearer(caracal.gatewayRequest(ECHO, "/").headers);
        const token = claims(first);
        assert.ok((token["exp"] as number) - (token["iat"] as number) <= 3);
        assert.equal(bearer(caracal.gatewayRequest(ECHO, "/").headers), first);
        await new Promise((ok) => setTimeout(ok, 3200));
        const second = bearer(caracal.gatewayRequest(ECHO, "/").headers); // a timer refreshed it meanwhile
        assert.notEqual(second, first);
        assert.ok((claims(second)["exp"] as number) > (token["exp"] as number));
        await new Promise((ok) => setTimeout(ok, 3200));
        const response = await caracal.transport()(`${stack.upstream.url}/api/after-expiry`);
        assert.equal(response.status, 200);
        assert.notEqual(bearer(caracal.gatewayRequest(ECHO, "/").headers), second);
      });
    });
  });

  describe("examples", () => {
    let folder: string;
    before(async () => {
      // compile the example agent (and the reference page's snippet) against this package
      folder = mkdtempSync(join(tmpdir(), "caracal-agent-"));
      mkdirSync(join(folder, "node_modules", "@caracalai"), { recursive: true });
      symlinkSync(SDK_TYPESCRIPT, join(folder, "node_modules", "@caracalai", "sdk"), "dir");
      writeFileSync(join(folder, "package.json"), JSON.stringify({ type: "module" }));
      copyFileSync(join(REPO, "examples", "agents", "typescript", "agent.ts"), join(folder, "agent.ts"));
      const page = join(REPO, "..", "shared", "reference", "connect-an-agent.md");
      const files = ["agent.ts"];
      if (existsSync(page)) {
        const block = /```typescript\n([\s\S]*?)```/.exec(readFileSync(page, "utf8"));
        assert.ok(block, "the reference page has no typescript block");
        writeFileSync(join(folder, "reference.ts"), block[1]!);
        files.push("reference.ts");
      }
      writeFileSync(join(folder, "tsconfig.json"), JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true,
          skipLibCheck: true, typeRoots: [join(SDK_TYPESCRIPT, "node_modules", "@types")], types: ["node"] },
        files,
      }));
      await run(process.execPath, [join(SDK_TYPESCRIPT, "node_modules", "typescript", "bin", "tsc"), "-p", folder],
        { timeout: 180_000 }).catch((e: { stdout?: string; message: string }) => {
        throw new Error(`tsc failed on the example: ${e.message}\n${e.stdout ?? ""}`);
      });
    });
    after(() => rmSync(folder, { recursive: true, force: true }));

    const runAgent = async (script: string): Promise<void> => {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("CARACAL_")) env[k] = v;
      const { stdout } = await run(process.execPath, [join(folder, script)], {
        env: { ...env, CARACAL_CONFIG: main, CARACAL_RESOURCE_ID: ECHO, CARACAL_RESOURCE_PATH: "/charge" }, timeout: 120_000,
      });
      const seen = JSON.parse(stdout) as Seen;
      assert.deepEqual([seen.method, seen.path, JSON.parse(seen.body)], ["POST", "/api/charge", { amount: 1200 }]);
    };

    it("the example agent runs", () => runAgent("agent.js"));

    it("the reference page's example runs unchanged", (t) => {
      if (!existsSync(join(folder, "reference.ts"))) {
        t.skip("shared/reference/connect-an-agent.md is not beside the repository");
        return;
      }
      return runAgent("reference.js");
    });
  });
});
