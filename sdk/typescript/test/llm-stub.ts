/**
 * A stub of an OpenAI-compatible provider for the tests: `POST /v1/chat/completions` answers a chat
 * completion, or with `"stream": true` server-sent events (`data: {chunk}` … `data: [DONE]`, a chunk
 * every {@link STREAM_GAP_MS}). It
 * records the `Authorization` header of every request it receives, which is how the tests see the
 * provider key the Gateway injected.
 */

import { createServer, type Server } from "node:http";

export interface ProviderCall {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/** The words the stub streams back, one chunk each. */
export const STREAMED_WORDS = ["through", " the", " gateway"];
/** The pause between two streamed chunks, so a test can tell streaming from buffering. */
export const STREAM_GAP_MS = 250;

export class LlmStub {
  readonly calls: ProviderCall[] = [];
  url = "";
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const path = req.url ?? "/";
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        } catch {
          // not JSON: recorded as empty
        }
        this.calls.push({ path, authorization: req.headers["authorization"], body });
        if (req.method !== "POST" || path !== "/v1/chat/completions") {
          res.writeHead(404, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}`, type: "invalid_request_error" } }));
          return;
        }
        const model = String(body["model"] ?? "stub-model");
        if (body["stream"] === true) {
          res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
          void (async () => {
            for (const [i, word] of STREAMED_WORDS.entries()) {
              if (i > 0) await new Promise((ok) => setTimeout(ok, STREAM_GAP_MS));
              res.write(`data: ${JSON.stringify(chunk(model, { content: word }, i === 0))}\n\n`);
            }
            res.write(`data: ${JSON.stringify({ ...chunk(model, {}, false), choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`);
            res.end("data: [DONE]\n\n");
          })();
          return;
        }
        const payload = JSON.stringify({
          id: "chatcmpl-stub-1", object: "chat.completion", created: 1_764_900_000, model,
          choices: [{ index: 0, message: { role: "assistant", content: "hello from the stub provider" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 },
        });
        res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
        res.end(payload);
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((ok) => this.server.listen(0, "127.0.0.1", ok));
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("llm stub has no port");
    this.url = `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }
}

function chunk(model: string, delta: Record<string, unknown>, first: boolean): Record<string, unknown> {
  return {
    id: "chatcmpl-stub-2", object: "chat.completion.chunk", created: 1_764_900_000, model,
    choices: [{ index: 0, delta: first ? { role: "assistant", ...delta } : delta, finish_reason: null }],
  };
}
