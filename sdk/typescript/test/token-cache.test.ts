import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Grant } from "../src/session.js";
import { TokenCache } from "../src/session.js";
import { mergeBaggage, under } from "../src/transport.js";

function fixture(lifetimeSeconds = 100) {
  const clock = { now: 1_000_000 };
  const calls: string[] = [];
  let fail: Error | undefined;
  const cache = new TokenCache(async (resource, scopes) => {
    calls.push(`${resource} ${scopes.join(" ")}`);
    if (fail) throw fail;
    return { token: `token-${calls.length}`, lifetimeSeconds };
  }, () => clock.now);
  return { clock, calls, cache, failWith: (e: Error | undefined) => { fail = e; } };
}

describe("TokenCache", () => {
  it("reuses a token until the refresh margin", async () => {
    const { clock, calls, cache } = fixture();
    assert.equal(await cache.get("r", ["a"]), "token-1");
    clock.now += 79_000;
    assert.equal(await cache.get("r", ["a"]), "token-1");
    clock.now += 2_000; // inside the margin: the valid token now, a new one fetched meanwhile
    assert.equal(await cache.get("r", ["a"]), "token-1");
    await new Promise((ok) => setImmediate(ok));
    assert.equal(await cache.get("r", ["a"]), "token-2");
    assert.equal(calls.length, 2);
    cache.close();
  });

  it("waits for a new token when the old one is about to expire", async () => {
    const { clock, cache } = fixture();
    await cache.get("r", ["a"]);
    clock.now += 99_900;
    assert.equal(await cache.get("r", ["a"]), "token-2");
    cache.close();
  });

  it("peek is synchronous: the cached token, else undefined while fetching, else the last failure", async () => {
    const { cache, failWith } = fixture();
    assert.equal(cache.peek("r", ["a"]), undefined);
    await new Promise((ok) => setImmediate(ok));
    assert.equal(cache.peek("r", ["a"]), "token-1");
    failWith(new Error("denied"));
    assert.equal(cache.peek("s", ["a"]), undefined);
    await new Promise((ok) => setImmediate(ok));
    assert.throws(() => cache.peek("s", ["a"]), /denied/);
    assert.equal(cache.peek("s", ["a"]), undefined); // a failure is thrown once, then tried again
    cache.close();
  });

  it("keys by resource and scopes and remembers what it issued", async () => {
    const { calls, cache } = fixture();
    await cache.get("r", ["a"]);
    await cache.get("r", ["a", "b"]);
    await cache.get("s", ["a"]);
    assert.equal(calls.length, 3);
    assert.deepEqual(cache.keyOf("token-2"), { resource: "r", scopes: ["a", "b"] });
    cache.close();
  });

  it("replaces a stale token once, however many callers saw it", async () => {
    const { calls, cache } = fixture();
    const first = await cache.get("r", ["a"]);
    const [second, third] = await Promise.all([cache.get("r", ["a"], first), cache.get("r", ["a"], first)]);
    assert.notEqual(second, first);
    assert.equal(third, second);
    assert.equal(calls.length, 2);
    cache.close();
  });

  it("refreshes on a timer before expiry", async () => {
    const cache = new TokenCache(async () => ({ token: `t-${Math.random()}`, lifetimeSeconds: 1 }));
    const first = await cache.get("r", ["a"]);
    await new Promise((ok) => setTimeout(ok, 950));
    const refreshed = cache.peek("r", ["a"]);
    assert.ok(refreshed && refreshed !== first);
    cache.close();
  });
});

describe("helpers", () => {
  it("under respects path boundaries", () => {
    assert.ok(under("http://h/api", "http://h/api"));
    assert.ok(under("http://h/api/x", "http://h/api"));
    assert.ok(under("http://h/api?q=1", "http://h/api"));
    assert.ok(!under("http://h/apix", "http://h/api"));
    assert.ok(!under("http://h.evil/api", "http://h"));
  });

  it("mergeBaggage keeps other members and replaces Caracal's", () => {
    const merged = mergeBaggage("user=alice, caracal.session_id=ses_1,caracal.hop=0",
      { baggage: () => "caracal.session_id=ses_2,caracal.hop=1" });
    assert.equal(merged, "user=alice,caracal.session_id=ses_2,caracal.hop=1");
  });

  it("Grant.narrow accepts a string of scopes and checks its ttl", () => {
    const grant = Grant.narrow({ scopes: "read, write", resource: "resource://x", ttlSeconds: 60 });
    assert.deepEqual([grant.mode, grant.scopes, grant.resources, grant.ttlSeconds],
      ["narrow", ["read", "write"], ["resource://x"], 60]);
    assert.throws(() => Grant.narrow({ ttlSeconds: 0 }), RangeError);
  });
});
