// A stand-in for an OpenAI-compatible provider, to try the example without an account:
// POST /v1/chat/completions answers a fixed completion, or server-sent events with "stream": true.
// It prints the Authorization it receives (masked), so you can see the key the Gateway injected.
//
//   node provider-stub.mjs [port]      (default 9200)
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 9200);
const words = ["one", " two", " three", " four", " five"];

createServer((req, res) => {
  let raw = "";
  req.on("data", (c) => { raw += c; });
  req.on("end", () => {
    const auth = req.headers.authorization ?? "(none)";
    console.error(`provider: ${req.method} ${req.url} Authorization: ${auth.slice(0, 16)}…`);
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    const body = JSON.parse(raw || "{}");
    const base = { id: "chatcmpl-stub", created: Math.floor(Date.now() / 1000), model: body.model ?? "stub" };
    if (body.stream) {
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
      for (const word of words) {
        const chunk = { ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: word }, finish_reason: null }] };
        res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      }
      res.end("data: [DONE]\n\n");
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ ...base, object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello from the stub provider." }, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 5, total_tokens: 6 } }));
  });
}).listen(port, "127.0.0.1", () => console.error(`provider stub on http://127.0.0.1:${port}/v1`));
