/**
 * `waitForApproval` against a real local HTTP server playing the Gateway: a POST held for
 * approval (403 `approval_required`, `Retry-After`), `GET /.caracal/approvals/{id}` answering the
 * approval's state, and the identical request let through once approved.
 */

import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, beforeEach, describe, it } from "node:test";
import { ApprovalDeniedError, ApprovalError, ApprovalExpiredError, ApprovalTimeoutError, Caracal } from "../src/index.js";

interface Stub {
  /** The state the approval endpoint answers, by poll number (the last one repeats). */
  states: string[];
  polls: { auth: string | undefined; at: number }[];
  bodies: string[];
  held: number;
}

const stub: Stub = { states: [], polls: [], bodies: [], held: 0 };
let server: Server;
let gateway = "";

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.method === "GET" && req.url === "/.caracal/approvals/apr_1") {
        const state = stub.states[Math.min(stub.polls.length, stub.states.length - 1)]!;
        stub.polls.push({ auth: req.headers.authorization, at: Date.now() });
        if (state === "unknown") {
          res.writeHead(404);
          res.end(JSON.stringify({ error: "not_found", reason: "approval_unknown", message: "no such approval", request_id: "req_p" }));
          return;
        }
        if (state === "pending") res.setHeader("retry-after", "1");
        res.end(JSON.stringify({ approval_id: "apr_1", state, expires_at: "2030-01-01T00:00:00Z" }));
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      stub.bodies.push(body);
      const decided = stub.states[Math.min(Math.max(stub.polls.length - 1, 0), stub.states.length - 1)];
      if (stub.polls.length > 0 && decided === "approved") {
        res.end(JSON.stringify({ paid: body }));
        return;
      }
      stub.held++;
      res.writeHead(403, { "retry-after": "1", "x-caracal-request-id": `req_${stub.held}` });
      res.end(JSON.stringify({ error: "forbidden", reason: "approval_required", approval_id: "apr_1",
        message: "this request waits for a person's approval", request_id: `req_${stub.held}` }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address() as { port: number };
  gateway = `http://127.0.0.1:${address.port}`;
});

after(() => server.close());

beforeEach(() => {
  stub.states = ["pending"];
  stub.polls = [];
  stub.bodies = [];
  stub.held = 0;
});

function client(): Caracal {
  return new Caracal({ env: { CARACAL_STS_URL: "http://127.0.0.1:9", CARACAL_GATEWAY_URL: gateway,
    CARACAL_APPLICATION_ID: "app_test", CARACAL_APP_CLIENT_SECRET: "secret" } });
}

function pay(timeoutMs?: number): Promise<Response> {
  const transport = client().transport(timeoutMs === undefined ? {} : { waitForApproval: { timeoutMs } });
  return transport(`${gateway}/payouts`, { method: "POST", body: JSON.stringify({ amount: 25000 }),
    headers: { "x-caracal-resource": "resource://payouts", authorization: "Bearer agent-token", "content-type": "application/json" } });
}

describe("waitForApproval", () => {
  it("polls the approval with the request's token and repeats the identical request once approved", async () => {
    stub.states = ["pending", "approved"];
    const started = Date.now();
    const response = await pay(10_000);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { paid: "{\"amount\":25000}" });
    assert.deepEqual(stub.bodies, ["{\"amount\":25000}", "{\"amount\":25000}"], "the same body bytes, twice");
    assert.equal(stub.polls.length, 2);
    assert.ok(stub.polls.every((p) => p.auth === "Bearer agent-token"));
    assert.ok(stub.polls[0]!.at - started >= 900, "the first poll waits for Retry-After");
    assert.ok(stub.polls[1]!.at - stub.polls[0]!.at >= 900, "polls at most once a second");
  });

  it("a denied approval throws ApprovalDeniedError with the approval id", async () => {
    stub.states = ["denied"];
    const error = await pay(10_000).then(() => assert.fail("no error"), (e: unknown) => e);
    assert.ok(error instanceof ApprovalDeniedError);
    assert.ok(error instanceof ApprovalError);
    assert.equal(error.approvalId, "apr_1");
    assert.equal(error.reason, "approval_denied");
    assert.equal(stub.bodies.length, 1, "a denied request is not sent again");
  });

  it("an expired approval throws ApprovalExpiredError", async () => {
    stub.states = ["expired"];
    const error = await pay(10_000).then(() => assert.fail("no error"), (e: unknown) => e);
    assert.ok(error instanceof ApprovalExpiredError);
    assert.equal(error.reason, "approval_expired");
    assert.equal(error.approvalId, "apr_1");
  });

  it("an approval the gateway does not know for this token throws ApprovalError approval_unknown", async () => {
    stub.states = ["unknown"];
    const error = await pay(10_000).then(() => assert.fail("no error"), (e: unknown) => e);
    assert.ok(error instanceof ApprovalError);
    assert.equal(error.reason, "approval_unknown");
  });

  it("nobody answers within the timeout: ApprovalTimeoutError with the approval id", async () => {
    const started = Date.now();
    const error = await pay(1_500).then(() => assert.fail("no error"), (e: unknown) => e);
    assert.ok(error instanceof ApprovalTimeoutError);
    assert.equal(error.approvalId, "apr_1");
    assert.equal(error.reason, "approval_timeout");
    assert.match(error.message, /caracal approvals approve apr_1/);
    assert.ok(Date.now() - started < 4_000, "gave up at the deadline");
  });

  it("without the option the 403 is returned as before, with no poll", async () => {
    const response = await pay();
    assert.equal(response.status, 403);
    assert.equal((await response.json() as { reason: string }).reason, "approval_required");
    assert.equal(stub.polls.length, 0);
  });

  it("under caracal run (CARACAL_RUN) a held request prints the approve command to stderr once", async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.env["CARACAL_RUN"] = "1";
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      const transport = client().transport();
      for (let i = 0; i < 2; i++) {
        await transport(`${gateway}/payouts`, { method: "POST", body: "{}",
          headers: { "x-caracal-resource": "resource://payouts", authorization: "Bearer agent-token" } });
      }
    } finally {
      process.stderr.write = write;
      delete process.env["CARACAL_RUN"];
    }
    assert.deepEqual(lines, ["caracal: request held for approval apr_1 — approve with: caracal approvals approve apr_1\n"]);
  });
});
