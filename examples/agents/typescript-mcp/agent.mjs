// An agent calling an MCP server through the Caracal Gateway with the official MCP client: the
// SDK's transport() is the MCP transport's fetch, so every request carries a fresh token of this
// agent session for resource://{name}, and the MCP server only ever sees its own credential.
import { Caracal } from "@caracalai/sdk";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";

const caracal = new Caracal();
const name = (process.env.CARACAL_MCP_RESOURCE ?? "resource://files").replace(/^resource:\/\//, "");
const path = process.env.CARACAL_MCP_PATH ?? "/work/notes.txt";

await caracal.spawn(async () => {
  const transport = new StreamableHTTPClientTransport(new URL(`${caracal.gatewayUrl()}/mcp/${name}`), {
    fetch: caracal.transport(),
  });
  const client = new Client({ name: "caracal-example-mcp-agent", version: "1.0.0" });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools(); // only the tools this agent may call
    console.log(`tools: ${tools.map((t) => t.name).join(", ")}`);
    const result = await client.callTool({ name: "read_file", arguments: { path } });
    console.log(result.content.map((c) => c.text ?? "").join(""));
  } catch (e) {
    if (!(e instanceof McpError) || !e.data?.request_id) throw e;
    // refused by policy: the request id explains it
    console.log(`refused: ${e.data.reason} (caracal explain ${e.data.request_id})`);
    process.exitCode = 1;
  } finally {
    await client.close();
  }
});
