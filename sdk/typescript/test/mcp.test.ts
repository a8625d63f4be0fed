/**
 * MCP through the real Gateway with the official TypeScript SDK on both sides: `McpServer` +
 * `StreamableHTTPServerTransport` (test/mcp-server.ts) behind the MCP resource `resource://files`,
 * and `Client` + `StreamableHTTPClientTransport` against `{gateway}/mcp/files`, with a plain
 * bearer token (a stock client) or with `caracal.transport()` as its fetch. See harness.ts.
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { Caracal, Grant } from "../src/index.js";
import { mcpResource } from "../src/transport.js";
import { REPO, SDK_TYPESCRIPT, Stack, unavailable } from "./harness.js";
import { FilesMcpServer } from "./mcp-server.js";

const FILES = "resource://files";
const UPSTREAM_SECRET = "upstream-secret-of-the-files-server";
const POLICY = `apiVersion: caracal.run/v1
kind: Policy
metadata: {name: files, description: Agents read the workspace; only root agents write; nobody deletes}
spec:
  resources: ["resource://files"]
  rules:
    - name: reads-in-workspace
      effect: allow
      scopes: ["files:read"]
      when: "request.mcp.tool in ['read_file', 'count_lines'] && request.mcp.arguments.path.startsWith('/work/')"
    - name: prompts-and-resources
      effect: allow
      scopes: ["files:read"]
      when: "request.mcp.method in ['prompts/get', 'resources/read']"
    - name: writes
      effect: allow
      scopes: ["files:write"]
      when: "request.mcp.tool == 'write_file'"
    - name: delegates-never-write
      effect: deny
      scopes: ["files:write"]
      when: "request.mcp.tool == 'write_file' && delegation.depth > 0"
      reason: delegated agents may not write files
    - name: never-delete
      effect: deny
      scopes: ["*"]
      when: "request.mcp.tool == 'delete_file'"
      reason: agents never delete files
---
apiVersion: caracal.run/v1
kind: PolicySet
metadata: {name: files}
spec: {policies: [files]}
`;

const run = promisify(execFile);
const skip = unavailable();
if (skip) console.log(`# ${skip}`);

/** A fetch that records what it sent and what came back, around `inner`. */
function recording(inner: typeof fetch = fetch) {
  const sent: Array<{ method: string; authorization: string | null }> = [];
  const contentTypes: string[] = [];
  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    sent.push({ method: init?.method ?? "GET", authorization: new Headers(init?.headers).get("authorization") });
    const response = await inner(input, init);
    contentTypes.push(response.headers.get("content-type") ?? "");
    return response;
  };
  return { fetch: wrapped as typeof fetch, sent, contentTypes };
}

async function mcpError(promise: Promise<unknown>): Promise<McpError & { data: { reason: string; request_id: string } }> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof McpError, `expected an McpError, got ${String(e)}`);
    const data = e.data as { reason?: unknown; request_id?: unknown } | undefined;
    assert.equal(typeof data?.reason, "string", `error.data has no reason: ${JSON.stringify(e.data)}`);
    assert.equal(typeof data?.request_id, "string", `error.data has no request_id: ${JSON.stringify(e.data)}`);
    return e as McpError & { data: { reason: string; request_id: string } };
  }
  assert.fail("expected an McpError, the call succeeded");
}

function text(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? "").join("");
}

describe("MCP through the Gateway with the official SDK", { skip }, () => {
  let stack: Stack;
  const server = new FilesMcpServer();
  let profile: string;
  let mcpUrl: string;
  const inherited = { token: process.env["CARACAL_SESSION_TOKEN"], id: process.env["CARACAL_SESSION_ID"] };

  before(async () => {
    delete process.env["CARACAL_SESSION_TOKEN"];
    delete process.env["CARACAL_SESSION_ID"];
    await server.start();
    stack = await Stack.start();
    profile = await stack.setup("sdk-mcp", "mcp-agent", FILES, "files:read,files:write", server.url);
    const zone = new Caracal({ config: profile }).profile.zoneId;
    const credential = join(stack.work, "files.credential");
    writeFileSync(credential, `${UPSTREAM_SECRET}\n`, { mode: 0o600 });
    await stack.cli("resource", "update", "--zone", zone, "--id", FILES, "--scopes", "files:read,files:write",
      "--upstream", server.url, "--protocol", "mcp", "--tool", "read_*=files:read", "--tool", "count_*=files:read",
      "--tool", "write_file=files:write", "--tool", "delete_file=files:write", "--mask-argument", "content",
      "--credential-file", credential);
    await stack.admin("POST", `/admin/v1/zones/${zone}/policies`, { files: [{ name: "files.yaml", content: POLICY }] });
    await stack.admin("POST", `/admin/v1/zones/${zone}/activate`, { policy_set: "files" });
    mcpUrl = `${stack.gatewayUrl}/mcp/files`;
  });

  after(async () => {
    for (const [name, value] of [["CARACAL_SESSION_TOKEN", inherited.token], ["CARACAL_SESSION_ID", inherited.id]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await stack?.stop();
    await server.stop();
  });

  /** An MCP client connected to the Gateway's endpoint for `resource://files` through `fetch`. */
  async function connect(fetchImpl: typeof fetch, requestInit?: RequestInit): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), { fetch: fetchImpl, ...(requestInit ? { requestInit } : {}) });
    const client = new Client({ name: "caracal-sdk-test", version: "1.0.0" });
    await client.connect(transport);
    return { client, transport };
  }

  it("a stock client with a bearer token sees only the tools it may call", async () => {
    const caracal = new Caracal({ config: profile });
    await caracal.spawn(async () => {
      const token = await caracal.token(FILES);
      const { client } = await connect(fetch, { headers: { Authorization: `Bearer ${token}` } });
      try {
        const tools = (await client.listTools()).tools.map((t) => t.name).sort();
        assert.deepEqual(tools, ["count_lines", "read_file", "write_file"], "delete_file is always denied, search undeclared");
        const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
        assert.deepEqual(prompts, ["review"]);
      } finally {
        await client.close();
      }
    });
  });

  it("caracal.transport() as the MCP client's fetch: an allowed call returns the server's result", async () => {
    const caracal = new Caracal({ config: profile });
    await caracal.spawn(async () => {
      const seen = recording();
      const { client } = await connect(caracal.transport({ fetch: seen.fetch }));
      try {
        const result = await client.callTool({ name: "read_file", arguments: { path: "/work/notes.txt" } });
        assert.equal(text(result), "buy milk");
        const written = await client.callTool({ name: "write_file", arguments: { path: "/work/todo.txt", content: "call mum" } });
        assert.match(text(written), /wrote 8 characters/);
        assert.equal(server.files.get("/work/todo.txt"), "call mum");
        const prompt = await client.getPrompt({ name: "review", arguments: { path: "/work/todo.txt" } });
        assert.equal(prompt.messages.length, 1);
        const notes = await client.readResource({ uri: "file:///work/notes.txt" });
        assert.equal((notes.contents[0] as { text: string }).text, "buy milk");
      } finally {
        await client.close();
      }
      assert.ok(seen.sent.length > 0 && seen.sent.every((s) => s.authorization?.startsWith("Bearer ")),
        "every request to the MCP endpoint carried a Caracal token");
    });
  });

  it("an argument-denied call rejects with reason and request id, and caracal explain shows the tool call", async () => {
    const caracal = new Caracal({ config: profile });
    const error = await caracal.spawn(async () => {
      const { client } = await connect(caracal.transport());
      try {
        const calls = server.calls.length;
        const denied = await mcpError(client.callTool({ name: "read_file", arguments: { path: "/etc/passwd" } }));
        assert.equal(server.calls.length, calls, "the server never ran the call");
        return denied;
      } finally {
        await client.close();
      }
    });
    assert.equal(error.data.reason, "no_matching_rule");
    assert.match(error.data.request_id, /\S/);
    const explained = await stack.cli("explain", error.data.request_id);
    assert.ok(explained.stdout.includes("read_file"), explained.stdout);
    assert.ok(explained.stdout.includes("/etc/passwd"), explained.stdout);
  });

  it("deny rules and undeclared tools are refused as JSON-RPC errors", async () => {
    const caracal = new Caracal({ config: profile });
    await caracal.spawn(async () => {
      const { client } = await connect(caracal.transport());
      try {
        const calls = server.calls.length;
        const undeclared = await mcpError(client.callTool({ name: "search", arguments: { query: "secret" } }));
        assert.equal(undeclared.data.reason, "tool_not_declared");
        const deleted = await mcpError(client.callTool({ name: "delete_file", arguments: { path: "/work/notes.txt" } }));
        assert.equal(deleted.data.reason, "denied_by_rule");
        assert.equal(server.calls.length, calls, "neither reached the server");
        assert.ok(server.files.has("/work/notes.txt"));
      } finally {
        await client.close();
      }
      // a delegated agent neither sees nor may call write_file
      await caracal.spawn(async () => {
        const { client: child } = await connect(caracal.transport());
        try {
          const tools = (await child.listTools()).tools.map((t) => t.name).sort();
          assert.deepEqual(tools, ["count_lines", "read_file"]);
          const refused = await mcpError(child.callTool({ name: "write_file", arguments: { path: "/work/x", content: "hi" } }));
          assert.equal(refused.data.reason, "denied_by_rule");
        } finally {
          await child.close();
        }
      }, { grant: Grant.inherit() });
    });
  });

  it("SSE answers stream back with their progress notifications", async () => {
    const caracal = new Caracal({ config: profile });
    await caracal.spawn(async () => {
      const seen = recording();
      const { client } = await connect(caracal.transport({ fetch: seen.fetch }));
      try {
        const progress: number[] = [];
        const result = await client.callTool({ name: "count_lines", arguments: { path: "/work/notes.txt" } }, undefined,
          { onprogress: (p) => progress.push(p.progress) });
        assert.equal(text(result), "1");
        assert.deepEqual(progress, [1, 2, 3]);
        assert.ok(seen.contentTypes.some((t) => t.startsWith("text/event-stream")), seen.contentTypes.join(", "));
      } finally {
        await client.close();
      }
    });
  });

  it("one MCP session spans the calls and ends with DELETE, with the resource's credential upstream, never the client's token", async () => {
    const caracal = new Caracal({ config: profile });
    await caracal.spawn(async () => {
      const seen = recording();
      const { client, transport } = await connect(caracal.transport({ fetch: seen.fetch }));
      const from = server.received.length;
      const callsFrom = server.calls.length;
      try {
        assert.ok(transport.sessionId, "the server issued a session id through the Gateway");
        await client.callTool({ name: "read_file", arguments: { path: "/work/notes.txt" } });
        await client.callTool({ name: "count_lines", arguments: { path: "/work/notes.txt" } });
        await client.ping();
        const calls = server.calls.slice(callsFrom);
        assert.equal(calls.length, 2);
        assert.ok(calls.every((c) => c.sessionId === transport.sessionId), JSON.stringify(calls));
        assert.ok(server.received.slice(from).every((r) => r.sessionId === transport.sessionId));
        const session = transport.sessionId;
        await transport.terminateSession(); // DELETE passes through to the server
        assert.ok(server.received.some((r) => r.method === "DELETE" && r.sessionId === session));
      } finally {
        await client.close();
      }
      const tokens = new Set(seen.sent.map((s) => s.authorization));
      assert.ok(server.received.length > 0);
      for (const received of server.received) {
        assert.equal(received.authorization, `Bearer ${UPSTREAM_SECRET}`);
        assert.ok(!tokens.has(received.authorization ?? ""));
      }
    });
  });

  it("the transport refreshes the token within one MCP session", async () => {
    const caracal = new Caracal({ config: profile, tokenTtlSeconds: 2 });
    await caracal.spawn(async () => {
      const seen = recording();
      const { client, transport } = await connect(caracal.transport({ fetch: seen.fetch }));
      try {
        await client.callTool({ name: "read_file", arguments: { path: "/work/notes.txt" } });
        await new Promise((ok) => setTimeout(ok, 2_100));
        const result = await client.callTool({ name: "read_file", arguments: { path: "/work/notes.txt" } });
        assert.equal(text(result), "buy milk");
        const session = transport.sessionId;
        assert.ok(server.calls.slice(-2).every((c) => c.sessionId === session));
      } finally {
        await client.close();
      }
      const posts = new Set(seen.sent.filter((s) => s.method === "POST").map((s) => s.authorization));
      assert.ok(posts.size >= 2, "a new token was used after the first expired");
    });
  });

  it("2026-07-28: a Mcp-Method header that disagrees with the body is 400 with -32020", async () => {
    const caracal = new Caracal({ config: profile });
    await caracal.spawn(async () => {
      const token = await caracal.token(FILES);
      const response = await fetch(mcpUrl, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json, text/event-stream",
          "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list", "Mcp-Name": "read_file" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "read_file",
          arguments: { path: "/work/notes.txt" }, _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } } }),
      });
      assert.equal(response.status, 400);
      const body = await response.json() as { id: number; error: { code: number; data: { reason: string } } };
      assert.equal(body.id, 9);
      assert.equal(body.error.code, -32020);
      assert.equal(body.error.data.reason, "mcp_header_mismatch");
    });
  });

  it("no token: 401 pointing at the resource metadata, which names the STS", async () => {
    const response = await fetch(mcpUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(response.status, 401);
    const challenge = response.headers.get("www-authenticate") ?? "";
    const metadataUrl = `${stack.gatewayUrl}/.well-known/oauth-protected-resource/mcp/files`;
    assert.ok(challenge.includes(`resource_metadata="${metadataUrl}"`), challenge);
    const metadata = await (await fetch(metadataUrl)).json() as { resource: string; authorization_servers: string[] };
    assert.equal(metadata.resource, mcpUrl);
    assert.deepEqual(metadata.authorization_servers, [stack.stsUrl]);
    // and a stock MCP client without a token fails to connect
    const client = new Client({ name: "no-token", version: "1.0.0" });
    await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl))));
  });

  it("the example MCP agent runs (examples/agents/typescript-mcp)", async () => {
    const folder = mkdtempSync(join(tmpdir(), "caracal-mcp-agent-"));
    try {
      mkdirSync(join(folder, "node_modules", "@caracalai"), { recursive: true });
      mkdirSync(join(folder, "node_modules", "@modelcontextprotocol"), { recursive: true });
      symlinkSync(SDK_TYPESCRIPT, join(folder, "node_modules", "@caracalai", "sdk"), "dir");
      symlinkSync(join(SDK_TYPESCRIPT, "node_modules", "@modelcontextprotocol", "sdk"),
        join(folder, "node_modules", "@modelcontextprotocol", "sdk"), "dir");
      for (const file of ["package.json", "agent.mjs"]) {
        copyFileSync(join(REPO, "examples", "agents", "typescript-mcp", file), join(folder, file));
      }
      const agent = (path: string) => run(process.execPath, [join(folder, "agent.mjs")],
        { env: stack.env({ CARACAL_CONFIG: profile, CARACAL_MCP_PATH: path }), timeout: 60_000 });
      const { stdout } = await agent("/work/notes.txt");
      assert.equal(stdout, "tools: read_file, write_file, count_lines\nbuy milk\n");
      const refused = await agent("/etc/passwd").then(() => assert.fail("the agent read /etc/passwd"),
        (e: { code?: number; stdout?: string }) => e);
      assert.equal(refused.code, 1);
      assert.match(refused.stdout ?? "", /^tools: .*\nrefused: no_matching_rule \(caracal explain req_\w+\)\n$/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe("mcpResource", () => {
  const gateway = "http://127.0.0.1:8443";
  it("reads {gateway}/mcp/{name} as resource://{name}", () => {
    assert.equal(mcpResource(`${gateway}/mcp/files`, gateway), "resource://files");
    assert.equal(mcpResource(`${gateway}/mcp/files?x=1`, gateway), "resource://files");
    assert.equal(mcpResource(`${gateway}/mcp/team%20files`, gateway), "resource://team files");
  });
  it("leaves every other URL alone", () => {
    for (const url of [`${gateway}/mcp/`, `${gateway}/mcp/files/extra`, `${gateway}/mcpfiles`, `${gateway}/api/mcp/files`,
      `http://elsewhere/mcp/files`, `${gateway}/.well-known/oauth-protected-resource/mcp/files`]) {
      assert.equal(mcpResource(url, gateway), undefined, url);
    }
  });
});
