/**
 * A small file-system MCP server for the MCP tests, built with the official SDK (`McpServer` and
 * `StreamableHTTPServerTransport`, stateful sessions, SSE answers) on 127.0.0.1. The "files" live
 * in memory. It records what reaches it, so a test can check what the Gateway forwarded: each
 * request's `Authorization` and `Mcp-Session-Id`, and each tool call with its session.
 */

import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import * as z from "zod";

export interface Received {
  method: string;
  authorization: string | undefined;
  sessionId: string | undefined;
}

export interface ToolCall {
  tool: string;
  arguments: Record<string, unknown>;
  sessionId: string | undefined;
}

export class FilesMcpServer {
  /** Every HTTP request that reached the server. */
  readonly received: Received[] = [];
  /** Every tool call the server ran. */
  readonly calls: ToolCall[] = [];
  readonly files = new Map<string, string>([["/work/notes.txt", "buy milk"], ["/etc/passwd", "root:x:0:0"]]);
  url = "";
  private readonly sessions = new Map<string, StreamableHTTPServerTransport>();
  private readonly http: Server;

  constructor() {
    this.http = createServer((req, res) => {
      const sessionId = header(req.headers["mcp-session-id"]);
      this.received.push({ method: req.method ?? "", authorization: header(req.headers["authorization"]), sessionId });
      void this.handle(sessionId, req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(e));
      });
    });
  }

  private async handle(sessionId: string | undefined, req: Parameters<StreamableHTTPServerTransport["handleRequest"]>[0],
    res: Parameters<StreamableHTTPServerTransport["handleRequest"]>[1]): Promise<void> {
    let transport = sessionId ? this.sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId) {
        res.writeHead(404, { "Content-Type": "application/json" })
          .end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32001, message: "session not found" } }));
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: false, // every answer is an SSE stream
        onsessioninitialized: (id) => { this.sessions.set(id, created); },
      });
      created.onclose = () => { if (created.sessionId) this.sessions.delete(created.sessionId); };
      await this.build().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  }

  private build(): McpServer {
    const server = new McpServer({ name: "files", version: "1.0.0" });
    const record = (tool: string, args: Record<string, unknown>, sessionId: string | undefined): void => {
      this.calls.push({ tool, arguments: args, sessionId });
    };
    server.registerTool("read_file", { description: "Read a file", inputSchema: { path: z.string() } },
      async ({ path }, extra) => {
        record("read_file", { path }, extra.sessionId);
        const text = this.files.get(path);
        return text === undefined
          ? { content: [{ type: "text", text: `no such file: ${path}` }], isError: true }
          : { content: [{ type: "text", text }] };
      });
    server.registerTool("write_file", { description: "Write a file", inputSchema: { path: z.string(), content: z.string() } },
      async ({ path, content }, extra) => {
        record("write_file", { path, content }, extra.sessionId);
        this.files.set(path, content);
        return { content: [{ type: "text", text: `wrote ${content.length} characters to ${path}` }] };
      });
    server.registerTool("delete_file", { description: "Delete a file", inputSchema: { path: z.string() } },
      async ({ path }, extra) => {
        record("delete_file", { path }, extra.sessionId);
        this.files.delete(path);
        return { content: [{ type: "text", text: `deleted ${path}` }] };
      });
    server.registerTool("search", { description: "Search every file (not declared on the resource)", inputSchema: { query: z.string() } },
      async ({ query }, extra) => {
        record("search", { query }, extra.sessionId);
        return { content: [{ type: "text", text: [...this.files.keys()].join("\n") }] };
      });
    server.registerTool("count_lines", { description: "Count a file's lines, reporting progress", inputSchema: { path: z.string() } },
      async ({ path }, extra) => {
        record("count_lines", { path }, extra.sessionId);
        const token = extra._meta?.progressToken;
        for (let step = 1; step <= 3; step++) {
          if (token !== undefined) {
            await extra.sendNotification({ method: "notifications/progress", params: { progressToken: token, progress: step, total: 3 } });
          }
        }
        return { content: [{ type: "text", text: String((this.files.get(path) ?? "").split("\n").length) }] };
      });
    server.registerPrompt("review", { description: "Review a file", argsSchema: { path: z.string() } },
      ({ path }) => ({ messages: [{ role: "user", content: { type: "text", text: `Review ${path}` } }] }));
    server.registerResource("notes", "file:///work/notes.txt", { mimeType: "text/plain" },
      (uri) => ({ contents: [{ uri: uri.href, text: this.files.get("/work/notes.txt") ?? "" }] }));
    return server;
  }

  async start(): Promise<void> {
    await new Promise<void>((ok) => this.http.listen(0, "127.0.0.1", ok));
    const address = this.http.address();
    if (address === null || typeof address === "string") throw new Error("mcp server has no port");
    this.url = `http://127.0.0.1:${address.port}/mcp`;
  }

  async stop(): Promise<void> {
    for (const transport of this.sessions.values()) await transport.close().catch(() => undefined);
    this.http.closeAllConnections();
    await new Promise<void>((ok) => this.http.close(() => ok()));
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
