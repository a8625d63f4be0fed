/** The STS calls the SDK makes with the app's credentials: open a session, exchange it, end it. */

import { CaracalError, StsError } from "./errors.js";

export const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
export const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";
const RATE_LIMIT_TRIES = 3;
const RETRY_AFTER_CAP_MS = 5000;

export interface OpenSessionRequest {
  ttlSeconds?: number | undefined;
  scopes?: readonly string[] | undefined;
  resources?: readonly string[] | undefined;
  labels?: readonly string[] | undefined;
  parentSessionToken?: string | undefined;
  traceparent?: string | undefined;
}

export type Json = Record<string, unknown>;

/** Stateless apart from its configuration; safe to share. */
export class StsClient {
  readonly baseUrl: string;
  private readonly basic: string;

  constructor(baseUrl: string, applicationId: string, secret: string, private readonly timeoutMs: number,
    private readonly fetchImpl: typeof fetch) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    // RFC 6749 §2.3.1: id and secret are form-encoded before base64
    this.basic = "Basic " + Buffer.from(`${formEncode(applicationId)}:${formEncode(secret)}`, "utf8").toString("base64");
  }

  openSession(request: OpenSessionRequest): Promise<Json> {
    const body: Json = {};
    if (request.ttlSeconds !== undefined) body["ttl_seconds"] = request.ttlSeconds;
    if (request.scopes?.length) body["scopes"] = [...request.scopes];
    if (request.resources?.length) body["resources"] = [...request.resources];
    if (request.labels?.length) body["labels"] = [...request.labels];
    if (request.parentSessionToken) body["parent_session_token"] = request.parentSessionToken;
    const what = request.parentSessionToken ? "cannot open a delegated session" : "cannot open a session";
    return this.call("POST", "/v1/sessions", JSON.stringify(body), "application/json", what, request.traceparent);
  }

  exchange(sessionToken: string, resource: string, scopes: readonly string[], ttlSeconds: number | undefined,
    traceparent: string | undefined): Promise<Json> {
    const form = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE,
      subject_token: sessionToken,
      subject_token_type: JWT_TOKEN_TYPE,
      resource,
      scope: scopes.join(" "),
    });
    if (ttlSeconds !== undefined) form.set("ttl_seconds", String(ttlSeconds));
    return this.call("POST", "/oauth2/token", form.toString(), "application/x-www-form-urlencoded",
      `cannot get a token for \`${resource}\``, traceparent);
  }

  endSession(sessionId: string, traceparent: string | undefined): Promise<Json> {
    return this.call("DELETE", `/v1/sessions/${encodeURIComponent(sessionId)}`, undefined, undefined,
      `cannot end session \`${sessionId}\``, traceparent);
  }

  private async call(method: string, path: string, body: string | undefined, contentType: string | undefined,
    what: string, traceparent: string | undefined): Promise<Json> {
    const headers: Record<string, string> = { Authorization: this.basic, Accept: "application/json" };
    if (contentType) headers["Content-Type"] = contentType;
    if (traceparent) headers["traceparent"] = traceparent;
    let response: Response;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await this.fetchImpl(this.baseUrl + path, {
          method, headers, body, redirect: "manual", signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (e) {
        throw new CaracalError(`${what}: the sts at ${this.baseUrl} is unreachable (${describe(e)})`,
          { reason: "sts_unreachable", cause: e });
      }
      // a 429 means the STS did nothing, so even a POST may be sent again
      if (response.status === 429 && attempt < RATE_LIMIT_TRIES) {
        await response.body?.cancel();
        await sleep(retryAfterMs(response.headers.get("retry-after")));
        continue;
      }
      break;
    }
    const text = await response.text();
    let data: Json = {};
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) data = parsed as Json;
    } catch {
      data = {};
    }
    if (response.status >= 400) {
      throw StsError.fromBody(what, response.status, data, response.headers.get("x-caracal-request-id") ?? undefined);
    }
    return data;
  }
}

/** application/x-www-form-urlencoded encoding of one value (space as `+`). */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

export function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof Error && cause.message) return cause.message;
    return e.message;
  }
  return String(e);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function retryAfterMs(value: string | null): number {
  const seconds = Number(value ?? "1");
  return Number.isFinite(seconds) ? Math.min(Math.max(seconds * 1000, 50), RETRY_AFTER_CAP_MS) : 1000;
}
