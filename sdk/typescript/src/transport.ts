/**
 * A `fetch` bound to the current agent session.
 *
 * Every request made inside `spawn` gets a W3C `traceparent` in the session's trace. Requests to
 * the Gateway (a URL under the Gateway with `X-Caracal-Resource`, or an MCP endpoint
 * `{gateway}/mcp/{name}`, which stands for `resource://{name}`) and to a URL under a credential's
 * `upstream_prefix` (rewritten to go through the Gateway) also get `Authorization` with a fresh
 * token for the current session and `baggage` carrying the session id and hop; no other host sees
 * a token or the session id, and Gateway requests do not follow redirects unless asked to.
 * Idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) with a replayable body are retried
 * on network failures and 502/503/504, and once with a new token when the Gateway says the token
 * expired; so is an MCP message with a replayable body (the Gateway refused it before forwarding
 * anything). Nothing else is retried, except with `waitForApproval`: a request the Gateway holds
 * for a person's approval (403 `approval_required`, nothing forwarded) is sent again, identical,
 * once the approval is approved.
 *
 * Under `caracal run` (`CARACAL_RUN` set) a held request prints one line to stderr with the
 * command that approves it.
 *
 * So it serves as the `fetch` of the official MCP client transport:
 * `new StreamableHTTPClientTransport(new URL(`${gateway}/mcp/files`), { fetch: caracal.transport() })`.
 */

import type { Caracal } from "./client.js";
import {
  ApprovalDeniedError,
  ApprovalError,
  ApprovalExpiredError,
  ApprovalTimeoutError,
  CaracalError,
  ConfigError,
  GatewayError,
  NoActiveSessionError,
} from "./errors.js";
import type { AgentSession } from "./session.js";
import { describe, sleep } from "./sts.js";

export interface TransportOptions {
  /** Throw a {@link GatewayError} (or {@link CaracalError}) for any response status ≥ 400. Default false. */
  throwOnError?: boolean;
  /** Retries of idempotent requests on network failures and 502/503/504. Default 2. */
  retries?: number;
  /** The fetch underneath (default: the client's). */
  fetch?: typeof fetch;
  /**
   * Wait for a person's approval: when the Gateway holds a request (403 `approval_required`), poll
   * `{gateway}/.caracal/approvals/{id}` (as its `Retry-After` says, at most once a second) and send
   * the identical request (the same body) again once it is approved. Throws
   * {@link ApprovalDeniedError}, {@link ApprovalExpiredError} or, after `timeoutMs`,
   * {@link ApprovalTimeoutError}. Only a request whose body can be sent twice (not a stream)
   * waits. Without it (the default) the 403 is returned like any other response.
   */
  waitForApproval?: WaitForApproval;
}

/** How long {@link TransportOptions.waitForApproval} waits in all for one request. */
export interface WaitForApproval {
  timeoutMs: number;
}

/** The `fetch`-compatible function `transport()` returns. */
export type CaracalFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
const RETRY_STATUSES = new Set([502, 503, 504]);
/** Polls of an approval: never more often than this, and this often when the Gateway does not say. */
const MIN_POLL_MS = 1000;
const DEFAULT_POLL_MS = 2000;

export function createTransport(client: Caracal, options: TransportOptions): CaracalFetch {
  const base = options.fetch ?? client.fetchImpl;
  const retries = Math.max(0, options.retries ?? 2);
  const wait = options.waitForApproval;
  if (wait && !(wait.timeoutMs >= 0)) throw new RangeError("waitForApproval.timeoutMs must not be negative");
  const announced = new Set<string>();
  return async (input, init = {}) => {
    let url: string;
    let method = "GET";
    const headers = new Headers();
    let body: RequestInit["body"] = null;
    let signal: AbortSignal | null | undefined;
    if (input instanceof Request) {
      url = input.url;
      method = input.method;
      input.headers.forEach((value, name) => headers.set(name, value));
      body = input.body;
      signal = input.signal;
    } else {
      url = String(input);
    }
    if (init.method) method = init.method.toUpperCase();
    if (init.headers) new Headers(init.headers).forEach((value, name) => headers.set(name, value));
    if (init.body !== undefined) body = init.body;
    if (init.signal !== undefined) signal = init.signal;

    if (wait && body instanceof FormData) {
      // a multipart body gets a new boundary each time it is encoded: encode it once, so a repeat is identical
      const encoded = new Request("http://localhost/", { method: "POST", body });
      if (!headers.has("content-type")) headers.set("content-type", encoded.headers.get("content-type")!);
      body = new Uint8Array(await encoded.arrayBuffer());
    }
    const route = await Route.plan(client, url, headers);
    const replayable = body === null || body === undefined || !(body instanceof ReadableStream);
    const idempotent = IDEMPOTENT.has(method) && replayable;
    const request: RequestInit & { duplex?: "half" } = { ...init, method, headers, body, signal: signal ?? null };
    if (route.gatewayBound && init.redirect === undefined) request.redirect = "manual";
    if (body instanceof ReadableStream) request.duplex = "half";

    let renewed = false;
    let waited = false;
    let deadline: number | undefined;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await base(route.url, request);
      } catch (e) {
        if (idempotent && attempt < retries && !signal?.aborted) {
          await sleep(200 * 2 ** attempt);
          continue;
        }
        if (!route.gatewayBound || signal?.aborted) throw e;
        throw new CaracalError(`${method} ${route.url}: cannot reach the gateway (${describe(e)})`,
          { reason: "gateway_unreachable", cause: e });
      }
      if (idempotent && attempt < retries && RETRY_STATUSES.has(response.status)) {
        await response.body?.cancel();
        await sleep(200 * 2 ** attempt);
        continue;
      }
      if ((idempotent || (route.mcp && replayable) || (waited && replayable)) && !renewed && route.canRenew
        && response.status === 401) {
        if (await expiredToken(response)) {
          renewed = true;
          await response.body?.cancel();
          await route.renew();
          continue;
        }
      }
      const held = response.status === 403 && route.gatewayBound ? await heldForApproval(response) : undefined;
      if (held) {
        if (held.reason === "approval_required" && process.env["CARACAL_RUN"] && !announced.has(held.approvalId)) {
          announced.add(held.approvalId);
          process.stderr.write(`caracal: request held for approval ${held.approvalId} — approve with: `
            + `caracal approvals approve ${held.approvalId}\n`);
        }
        if (wait && replayable) {
          await response.body?.cancel();
          if (held.reason === "approval_denied") throw denied(held.approvalId, held.requestId);
          deadline ??= Date.now() + wait.timeoutMs;
          await awaitApproval(base, client.profile.gatewayUrl.replace(/\/+$/, ""), route, held, deadline, signal);
          waited = true;
          renewed = false;
          attempt = -1;
          continue;
        }
      }
      if (options.throwOnError && response.status >= 400) {
        const error = await GatewayError.fromResponse(response);
        if (error) throw error;
      }
      return response;
    }
  };
}

/** A request the Gateway holds for approval, or refuses because its approval was denied. */
interface Held {
  reason: "approval_required" | "approval_denied";
  approvalId: string;
  requestId: string | undefined;
  retryAfterMs: number | undefined;
}

async function heldForApproval(response: Response): Promise<Held | undefined> {
  try {
    const body = await response.clone().json() as { reason?: unknown; approval_id?: unknown; request_id?: unknown };
    if ((body.reason === "approval_required" || body.reason === "approval_denied") && typeof body.approval_id === "string") {
      return { reason: body.reason, approvalId: body.approval_id, requestId: typeof body.request_id === "string" ? body.request_id : undefined,
        retryAfterMs: retryAfter(response) };
    }
  } catch {
    // not the Gateway's JSON refusal
  }
  return undefined;
}

function retryAfter(response: Response): number | undefined {
  const seconds = Number(response.headers.get("retry-after") ?? "");
  return response.headers.has("retry-after") && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

function pollDelay(retryAfterMs: number | undefined): number {
  return Math.max(MIN_POLL_MS, retryAfterMs ?? DEFAULT_POLL_MS);
}

function denied(approvalId: string, requestId: string | undefined): ApprovalDeniedError {
  return new ApprovalDeniedError(`an approver denied the request (approval ${approvalId})`, approvalId,
    { reason: "approval_denied", requestId, status: 403, error: "forbidden" });
}

/**
 * Polls the approval until it is approved (returns), denied, expired, unknown or the deadline
 * passes (throws); renews the token once when the Gateway says it expired. A network failure, a
 * 429 or a 5xx is asked again later.
 */
async function awaitApproval(base: typeof fetch, gateway: string, route: Route, held: Held, deadline: number,
  signal: AbortSignal | null | undefined): Promise<void> {
  const id = held.approvalId;
  let delay = pollDelay(held.retryAfterMs);
  let renewed = false;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new ApprovalTimeoutError(`approval ${id} was not answered in time; approve with: caracal approvals approve ${id}`, id,
        { reason: "approval_timeout", requestId: held.requestId });
    }
    await sleep(Math.min(delay, left));
    if (signal?.aborted) throw signal.reason;
    const headers = new Headers();
    for (const name of ["authorization", "traceparent"]) {
      const value = route.headers.get(name);
      if (value) headers.set(name, value);
    }
    let response: Response;
    try {
      response = await base(`${gateway}/.caracal/approvals/${encodeURIComponent(id)}`, { headers, redirect: "manual", signal: signal ?? null });
    } catch (e) {
      if (signal?.aborted) throw e;
      delay = DEFAULT_POLL_MS;
      continue;
    }
    if (response.status === 200) {
      renewed = false;
      const state = (await response.json() as { state?: unknown }).state;
      if (state === "approved" || state === "used") return; // used: an identical request took it; this one is held anew
      if (state === "denied") throw denied(id, held.requestId);
      if (state === "expired") {
        throw new ApprovalExpiredError(`approval ${id} expired before it was used`, id,
          { reason: "approval_expired", requestId: held.requestId });
      }
      delay = pollDelay(retryAfter(response));
      continue;
    }
    if (response.status === 401 && route.canRenew && !renewed && await expiredToken(response)) {
      renewed = true;
      await response.body?.cancel();
      await route.renew();
      delay = 0;
      continue;
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      delay = pollDelay(retryAfter(response));
      continue;
    }
    const error = await GatewayError.fromResponse(response);
    await response.body?.cancel();
    if (error?.reason === "approval_unknown") {
      throw new ApprovalError(`the gateway does not know approval ${id} for this token`, id,
        { reason: "approval_unknown", requestId: error.requestId, status: 404, error: error.error });
    }
    throw error ?? new CaracalError(`asking about approval ${id} failed with http ${response.status}`, { status: response.status });
  }
}

/** Where one request goes and with which headers; `renew` swaps in a new token. */
class Route {
  private constructor(
    readonly url: string,
    readonly headers: Headers,
    readonly gatewayBound: boolean,
    private readonly session?: AgentSession,
    private readonly resource = "",
    private readonly scopes: readonly string[] = [],
    /** An MCP endpoint `{gateway}/mcp/{name}`. */
    readonly mcp = false,
  ) {}

  get canRenew(): boolean {
    return this.session !== undefined;
  }

  async renew(): Promise<void> {
    const token = await this.session!.tokens.get(this.resource, this.scopes, bearer(this.headers));
    this.headers.set("authorization", `Bearer ${token}`);
  }

  static async plan(client: Caracal, url: string, headers: Headers): Promise<Route> {
    const session = client.currentSession();
    const gateway = client.profile.gatewayUrl.replace(/\/+$/, "");
    let resource = headers.get("x-caracal-resource");
    let viaPrefix = false;
    const mcp = gateway ? mcpResource(url, gateway) : undefined;
    if (mcp && !resource) resource = mcp;
    if (!(gateway && resource && under(url, gateway))) {
      const match = matchPrefix(client, url);
      if (!match) {
        if (session && !headers.has("traceparent")) headers.set("traceparent", session.traceparent());
        return new Route(url, headers, false);
      }
      if (!gateway) {
        throw new ConfigError(`\`${url}\` is under the upstream prefix of \`${match.resource}\`, but no gateway url is `
          + "configured (set `gateway_url` in the profile or CARACAL_GATEWAY_URL)");
      }
      url = gateway + match.rest;
      resource = match.resource;
      headers.set("x-caracal-resource", resource);
      viaPrefix = true;
    }
    if (!session) {
      if (viaPrefix) {
        throw new NoActiveSessionError(`\`${url}\` goes through the gateway to \`${resource}\`, which needs an agent session: `
          + "send it inside `caracal.spawn(async () => { ... })`");
      }
      return new Route(url, headers, true); // a caller's own token, passed through untouched
    }
    const presented = bearer(headers);
    let scopes: readonly string[] | undefined;
    if (presented === undefined) {
      scopes = client.defaultScopes(session, resource!);
    } else {
      const key = issuedKey(session, presented);
      if (key && key.resource === resource) scopes = key.scopes;
    }
    if (!headers.has("traceparent")) headers.set("traceparent", session.traceparent());
    headers.set("baggage", mergeBaggage(headers.get("baggage"), session));
    if (scopes === undefined) {
      return new Route(url, headers, true); // a token this SDK did not issue: left as given
    }
    headers.set("authorization", `Bearer ${await session.tokens.get(resource!, scopes)}`);
    return new Route(url, headers, true, session, resource!, scopes, mcp !== undefined);
  }
}

/**
 * The resource an MCP endpoint URL stands for: `{gateway}/mcp/{name}` (with any query) is
 * `resource://{name}`; undefined for any other URL.
 */
export function mcpResource(url: string, gateway: string): string | undefined {
  const base = `${gateway}/mcp/`;
  if (!url.startsWith(base)) return undefined;
  const name = url.slice(base.length).split(/[?#]/, 1)[0]!;
  if (name === "" || name.includes("/")) return undefined;
  try {
    return `resource://${decodeURIComponent(name)}`;
  } catch {
    return undefined;
  }
}

/** Whether a 401 is the Gateway's `token_expired`, as a plain error body or an MCP JSON-RPC error. */
async function expiredToken(response: Response): Promise<boolean> {
  const error = await GatewayError.fromResponse(response);
  if (error?.reason === "token_expired") return true;
  try {
    const body = await response.clone().json() as { error?: { data?: { reason?: unknown } } };
    return body?.error?.data?.reason === "token_expired";
  } catch {
    return false;
  }
}

function issuedKey(session: AgentSession, token: string): { resource: string; scopes: readonly string[] } | undefined {
  for (let node: AgentSession | undefined = session; node; node = node.parent) {
    const key = node.tokens.keyOf(token);
    if (key) return key;
  }
  return undefined;
}

function matchPrefix(client: Caracal, url: string): { resource: string; rest: string } | undefined {
  let best: { resource: string; rest: string; length: number } | undefined;
  for (const credential of client.profile.credentials) {
    const prefix = (credential.upstreamPrefix ?? "").replace(/\/+$/, "");
    if (!prefix || !under(url, prefix)) continue;
    if (!best || prefix.length > best.length) {
      best = { resource: credential.resource, rest: url.slice(prefix.length), length: prefix.length };
    }
  }
  if (!best) return undefined;
  return { resource: best.resource, rest: best.rest.startsWith("/") ? best.rest : `/${best.rest}` };
}

/** Whether `url` is `base` or below it (`http://h/api` covers `http://h/api/x` and `?q`, not `http://h/apix`). */
export function under(url: string, base: string): boolean {
  if (!url.startsWith(base)) return false;
  const rest = url.slice(base.length);
  return rest === "" || "/?#".includes(rest[0]!);
}

function bearer(headers: Headers): string | undefined {
  const value = headers.get("authorization");
  return value && value.slice(0, 7).toLowerCase() === "bearer " ? value.slice(7).trim() : undefined;
}

/** Keeps the caller's baggage members and replaces Caracal's with the current session's. */
export function mergeBaggage(existing: string | null, session: Pick<AgentSession, "baggage">): string {
  const kept = (existing ?? "").split(",").map((m) => m.trim())
    .filter((m) => m !== "" && !m.split("=", 1)[0]!.trim().startsWith("caracal."));
  return [...kept, session.baggage()].join(",");
}
