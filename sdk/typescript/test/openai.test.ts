/**
 * The official `openai` client with `transport()` as its `fetch`, against a real server (the built
 * jar) and a stub OpenAI-compatible provider: the Gateway injects the provider key stored sealed on
 * the resource, the agent side only ever holds Caracal's short-lived token, and every call is in
 * the ledger.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import OpenAI from "openai";
import { Caracal } from "../src/index.js";
import { REPO, SDK_TYPESCRIPT, Stack, unavailable } from "./harness.js";
import { LlmStub, STREAM_GAP_MS, STREAMED_WORDS } from "./llm-stub.js";

const run = promisify(execFile);
const LLM = "resource://llm";
const PROVIDER_KEY = `sk-test-provider-${randomBytes(16).toString("hex")}`;

const skip = unavailable();
if (skip) console.log(`# ${skip}`);

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Everything the agent side sends, as `openai` hands it to the transport and as the transport sends it. */
class Recorder {
  readonly sent: Sent[] = [];

  wrap(inner: typeof fetch): typeof fetch {
    return async (input, init = {}) => {
      const request = input instanceof Request ? input : undefined;
      const headers: Record<string, string> = {};
      new Headers(request?.headers).forEach((v, k) => { headers[k] = v; });
      new Headers(init.headers).forEach((v, k) => { headers[k] = v; });
      const url = request ? request.url : String(input);
      this.sent.push({ url, headers, body: typeof init.body === "string" ? init.body : "" });
      return inner(input, init);
    };
  }
}

interface LedgerEvent {
  type: string;
  decision: string;
  resource: string | null;
  request_id: string | null;
}

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("the openai client through the Gateway", { skip }, () => {
  let stack: Stack;
  const provider = new LlmStub();
  let profile: string;
  const inherited = { token: process.env["CARACAL_SESSION_TOKEN"], id: process.env["CARACAL_SESSION_ID"] };

  before(async () => {
    delete process.env["CARACAL_SESSION_TOKEN"];
    delete process.env["CARACAL_SESSION_ID"];
    await provider.start();
    stack = await Stack.start();
    profile = await stack.setup("sdk-ts-llm", "llm-agent", LLM, "chat", `${provider.url}/v1`);
    // the operator stores the provider key on the resource; only the admin API ever sees it
    const zone = new Caracal({ config: profile }).profile.zoneId;
    const stored = await stack.admin("PUT", `/admin/v1/zones/${zone}/resources`, {
      id: LLM, scopes: ["chat"], upstream: `${provider.url}/v1`, upstream_credential: PROVIDER_KEY,
    }) as Record<string, unknown>;
    assert.equal(stored["upstream_credential"], "set");
    assert.ok(!JSON.stringify(stored).includes(PROVIDER_KEY));
  });

  after(async () => {
    for (const [name, value] of [["CARACAL_SESSION_TOKEN", inherited.token], ["CARACAL_SESSION_ID", inherited.id]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await stack?.stop();
    await provider.stop();
  });

  /** The agent side: an SDK client, a recorded transport, and `openai` over it. */
  function agent(baseURL: string, extra: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}) {
    const caracal = new Caracal({ config: profile });
    const recorder = new Recorder();
    const transport = recorder.wrap(caracal.transport({ fetch: recorder.wrap(fetch) }));
    const openai = new OpenAI({ baseURL, apiKey: () => caracal.token(LLM), fetch: transport, maxRetries: 0, ...extra });
    return { caracal, recorder, openai };
  }

  async function assertAllowed(requestId: string | null): Promise<void> {
    assert.match(requestId ?? "", /^req_/);
    const record = await stack.admin("GET", `/admin/v1/ledger/requests/${requestId}`) as { events: LedgerEvent[] };
    const decisions = record.events.filter((e) => e.type === "gateway.decision");
    assert.equal(decisions.length, 1, JSON.stringify(record.events));
    assert.deepEqual([decisions[0]!.decision, decisions[0]!.resource], ["allow", LLM]);
  }

  function assertNeverHeld(recorder: Recorder): void {
    const everything = JSON.stringify(recorder.sent);
    assert.ok(!everything.includes(PROVIDER_KEY), "the agent side sent the provider key");
    assert.ok(!everything.includes("sk-test-provider-"));
    for (const value of Object.values(process.env)) assert.ok(!value?.includes(PROVIDER_KEY), "the provider key is in the environment");
    for (const file of [profile, join(dirname(profile), "llm-agent.secret")]) {
      assert.ok(!readFileSync(file, "utf8").includes(PROVIDER_KEY), `${file} holds the provider key`);
    }
  }

  it("a chat completion reaches the provider with the key the Gateway injected", async () => {
    const { caracal, recorder, openai } = agent(stack.gatewayUrl, { defaultHeaders: { "X-Caracal-Resource": LLM } });
    const before = provider.calls.length;
    const { data, response } = await caracal.spawn(() => openai.chat.completions.create({
      model: "stub-model", messages: [{ role: "user", content: "hello" }],
    }).withResponse());
    assert.equal(data.choices[0]!.message.content, "hello from the stub provider");
    const calls = provider.calls.slice(before);
    assert.equal(calls.length, 1);
    assert.deepEqual([calls[0]!.path, calls[0]!.authorization], ["/v1/chat/completions", `Bearer ${PROVIDER_KEY}`]);
    assert.equal((calls[0]!.body["messages"] as unknown[]).length, 1);
    // what reached the Gateway carried Caracal's token for this resource, not a provider key
    const sent = recorder.sent.at(-1)!;
    assert.equal(sent.url, `${stack.gatewayUrl}/chat/completions`);
    const token = claims(sent.headers["authorization"]!.replace(/^Bearer /, ""));
    assert.deepEqual([token["aud"], token["scope"]], [LLM, "chat"]);
    assertNeverHeld(recorder);
    await assertAllowed(response.headers.get("x-caracal-request-id"));
  });

  it("a streamed completion arrives chunk by chunk through the upstream prefix", async () => {
    const { caracal, recorder, openai } = agent(`${provider.url}/v1`); // the provider's own URL: the profile routes it
    const before = provider.calls.length;
    const [streamed, requestId] = await caracal.spawn(async () => {
      const { data: stream, response } = await openai.chat.completions.create({
        model: "stub-model", messages: [{ role: "user", content: "stream" }], stream: true,
      }).withResponse();
      const words: string[] = [];
      const arrivals: number[] = [];
      for await (const chunk of stream) {
        const content = chunk.choices[0]?.delta.content;
        if (content) {
          words.push(content);
          arrivals.push(performance.now());
        }
      }
      return [{ words, arrivals }, response.headers.get("x-caracal-request-id")] as const;
    });
    assert.deepEqual(streamed.words, STREAMED_WORDS);
    // each chunk came when the provider sent it, not all at once when the response ended
    const spread = streamed.arrivals.at(-1)! - streamed.arrivals[0]!;
    assert.ok(spread >= STREAM_GAP_MS * (STREAMED_WORDS.length - 1) * 0.8, `chunks arrived within ${spread} ms`);
    const calls = provider.calls.slice(before);
    assert.deepEqual(calls.map((c) => [c.path, c.authorization, c.body["stream"]]),
      [["/v1/chat/completions", `Bearer ${PROVIDER_KEY}`, true]]);
    // openai addressed the provider; the transport sent it to the Gateway instead
    assert.equal(recorder.sent[0]!.url, `${provider.url}/v1/chat/completions`);
    assert.equal(recorder.sent.at(-1)!.url, `${stack.gatewayUrl}/chat/completions`);
    assert.equal(recorder.sent.at(-1)!.headers["x-caracal-resource"], LLM);
    assertNeverHeld(recorder);
    await assertAllowed(requestId);
  });

  it("each call is its own allowed request in the ledger", async () => {
    const { caracal, openai } = agent(`${provider.url}/v1`);
    const ids = await caracal.spawn(async () => {
      const out: (string | null)[] = [];
      for (let i = 0; i < 3; i++) {
        const { response } = await openai.chat.completions.create({ model: "stub-model", messages: [{ role: "user", content: `call ${i}` }] })
          .withResponse();
        out.push(response.headers.get("x-caracal-request-id"));
      }
      return out;
    });
    assert.equal(new Set(ids).size, 3);
    for (const id of ids) await assertAllowed(id);
    const explained = await stack.cli("explain", ids[0]!);
    assert.ok(explained.stdout.includes(LLM), explained.stdout);
  });

  it("a placeholder apiKey is passed through as the caller's own token and refused", async () => {
    const { caracal, openai } = agent(`${provider.url}/v1`, { apiKey: "placeholder" });
    const before = provider.calls.length;
    const error = await caracal.spawn(() => openai.chat.completions.create({ model: "stub-model", messages: [] }))
      .then(() => assert.fail("a placeholder key went through"), (e: unknown) => e);
    assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
    assert.equal(error.status, 401);
    assert.equal(provider.calls.length, before); // refused at the Gateway, nothing reached the provider
  });

  it("the example agent runs under caracal run", async () => {
    const folder = mkdtempSync(join(tmpdir(), "caracal-openai-agent-"));
    try {
      mkdirSync(join(folder, "node_modules", "@caracalai"), { recursive: true });
      symlinkSync(SDK_TYPESCRIPT, join(folder, "node_modules", "@caracalai", "sdk"), "dir");
      symlinkSync(join(SDK_TYPESCRIPT, "node_modules", "openai"), join(folder, "node_modules", "openai"), "dir");
      copyFileSync(join(REPO, "examples", "agents", "openai-through-caracal", "package.json"), join(folder, "package.json"));
      copyFileSync(join(REPO, "examples", "agents", "openai-through-caracal", "agent.mjs"), join(folder, "agent.mjs"));
      const before = provider.calls.length;
      const { stdout, stderr } = await run(stack.java, ["-jar", stack.jar, "run", "--", process.execPath, join(folder, "agent.mjs")], {
        env: stack.env({ CARACAL_CONFIG: profile, CARACAL_LLM_RESOURCE: LLM, LLM_MODEL: "stub-model" }), timeout: 180_000,
      });
      assert.equal(stdout, `hello from the stub provider\n${STREAMED_WORDS.join("")}\n`);
      assert.deepEqual(provider.calls.slice(before).map((c) => [c.body["stream"] ?? false, c.authorization]),
        [[false, `Bearer ${PROVIDER_KEY}`], [true, `Bearer ${PROVIDER_KEY}`]]);
      await assertAllowed(/caracal request: (req_\w+)/.exec(stderr)?.[1] ?? null);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
