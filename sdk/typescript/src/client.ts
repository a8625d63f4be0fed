/** The SDK entry point: `new Caracal()`, `spawn`, `gatewayRequest` and `transport`. */

import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { CaracalError, ConfigError, NoActiveSessionError, SessionEndError } from "./errors.js";
import { type Env, type Profile, loadProfile, resolveProfile } from "./profile.js";
import { AgentSession, Grant, TokenCache } from "./session.js";
import { StsClient, type Json } from "./sts.js";
import { type CaracalFetch, type TransportOptions, createTransport } from "./transport.js";

export interface CaracalOptions {
  /** A profile file path or a resolved {@link Profile}; overrides resolution. */
  config?: string | Profile;
  /** The environment to resolve the profile from (default `process.env`). */
  env?: Env;
  /** Lifetime to ask for resource tokens (the STS caps it at 15 minutes and at the session's end). */
  tokenTtlSeconds?: number;
  /** Milliseconds to wait for the STS on each call (default 30 000). */
  timeoutMs?: number;
  /** The fetch used for STS calls and by `transport()` (default: the global fetch). */
  fetch?: typeof fetch;
}

export interface SpawnOptions {
  /**
   * How a nested spawn (or a top-level one under `caracal run`) delegates: `Grant.inherit()`
   * (default), `Grant.narrow(...)` or `Grant.none()`.
   */
  grant?: Grant;
  /** The session's lifetime (default: the profile's `ttl_seconds` at the top level). */
  ttlSeconds?: number;
  /** Bounds the session's scopes explicitly. */
  scopes?: readonly string[];
  /** Bounds the session's resources explicitly. */
  resources?: readonly string[];
  labels?: readonly string[];
}

/** Where and how to call a resource through the Gateway. */
export interface GatewayRequest {
  readonly url: string;
  /**
   * `X-Caracal-Resource`, `traceparent`, `baggage`, and `Authorization` whenever a token for the
   * resource is at hand (always for the profile's credentials, which `spawn` obtains up front); a
   * request sent with `transport()` gets a fresh token in any case.
   */
  readonly headers: Record<string, string>;
  readonly resourceId: string;
  readonly path: string;
}

/**
 * A Caracal client for one application. `new Caracal()` resolves the runtime profile
 * (`CARACAL_CONFIG`, then `CARACAL_*` variables, then `$XDG_CONFIG_HOME/caracal/caracal.toml`) and
 * throws {@link ConfigError} naming what is missing. One client serves any number of concurrent
 * tasks: the current session follows each async context (`AsyncLocalStorage`).
 */
export class Caracal {
  readonly profile: Profile;
  readonly tokenTtlSeconds: number | undefined;
  /** @internal */
  readonly sts: StsClient;
  /** @internal */
  readonly fetchImpl: typeof fetch;
  readonly #current = new AsyncLocalStorage<AgentSession>();

  constructor(options: CaracalOptions = {}) {
    const { config } = options;
    this.profile = typeof config === "string" ? loadProfile(config) : config ?? resolveProfile(options.env ?? process.env);
    if (options.tokenTtlSeconds !== undefined && !(options.tokenTtlSeconds > 0)) {
      throw new RangeError("tokenTtlSeconds must be positive");
    }
    this.tokenTtlSeconds = options.tokenTtlSeconds;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.sts = new StsClient(this.profile.stsUrl, this.profile.applicationId, this.profile.secret,
      options.timeoutMs ?? 30_000, this.fetchImpl);
  }

  /**
   * Opens an agent session, runs `fn` with it bound as the current session, and ends the session
   * (revoking its tokens) when `fn` returns or throws. Resolves to what `fn` returns.
   *
   * Inside another spawn it opens a child: delegated from the current session with
   * `options.grant` (`Grant.inherit()` by default, or `Grant.narrow(...)`), or independent with
   * `Grant.none()`. At the top level under `caracal run` (`CARACAL_SESSION_TOKEN` set), the
   * session is delegated from the run's session unless `options.grant` is `Grant.none()`, so
   * ending the run's session ends it too. The profile's tokens are obtained before `fn` runs, so
   * `gatewayRequest` has them at hand.
   *
   * Throws {@link StsError} when the STS refuses the session; if `fn` succeeded but the session
   * cannot be ended, {@link SessionEndError}.
   */
  async spawn<T>(fn: (session: AgentSession) => T | Promise<T>, options: SpawnOptions = {}): Promise<T> {
    const parent = this.#current.getStore();
    const session = await this.#open(parent, options);
    let result: T;
    try {
      await Promise.all(this.#prefetchKeys(session).map(([resource, scopes]) => session.tokens.prefetch(resource, scopes)));
      result = await this.#current.run(session, () => fn(session));
    } catch (error) {
      await this.#end(session).catch(() => undefined);
      throw error;
    }
    await this.#end(session).catch((e: unknown) => {
      const cause = e as CaracalError;
      throw new SessionEndError(`could not end session \`${session.id}\`; its authority lasts until it expires: ${cause.message}`,
        { reason: cause.reason, requestId: cause.requestId, status: cause.status, error: cause.error, cause });
    });
    return result;
  }

  /** The session bound to the calling async context, if any. */
  currentSession(): AgentSession | undefined {
    return this.#current.getStore();
  }

  /**
   * The Gateway URL and headers to call `path` on `resourceId` in the current session.
   * Synchronous: the token comes from the session's cache (refreshed before expiry); when none is
   * at hand yet, one is being fetched and `Authorization` is left for `transport()` to add.
   * `scopes` defaults to the profile credential's scopes (kept within the session's), or the
   * session's scopes.
   *
   * Throws {@link NoActiveSessionError} outside `spawn`, {@link ConfigError} without a Gateway URL
   * or known scopes, and the {@link StsError} of a refused token exchange.
   */
  gatewayRequest(resourceId: string, path = "/", options: { scopes?: readonly string[] } = {}): GatewayRequest {
    const session = this.requireSession("gatewayRequest");
    const scopes = options.scopes?.length ? [...options.scopes] : this.defaultScopes(session, resourceId);
    const token = session.tokens.peek(resourceId, scopes);
    const fullPath = path.startsWith("/") ? path : `/${path}`;
    const headers: Record<string, string> = { "X-Caracal-Resource": resourceId };
    if (token !== undefined) headers["Authorization"] = `Bearer ${token}`;
    headers["traceparent"] = session.traceparent();
    headers["baggage"] = session.baggage();
    return { url: this.gatewayUrl() + fullPath, headers, resourceId, path: fullPath };
  }

  /** A token for `resourceId` in the current session (waiting for the STS if needed). */
  async token(resourceId: string, options: { scopes?: readonly string[] } = {}): Promise<string> {
    const session = this.requireSession("token");
    const scopes = options.scopes?.length ? [...options.scopes] : this.defaultScopes(session, resourceId);
    return session.tokens.get(resourceId, scopes);
  }

  /**
   * A `fetch`-compatible function for the current session: adds `traceparent`; for the Gateway
   * (and URLs under a credential's `upstream_prefix`, which it routes through the Gateway) also
   * `Authorization` with a fresh token and `baggage`. See {@link TransportOptions}.
   */
  transport(options: TransportOptions = {}): CaracalFetch {
    return createTransport(this, options);
  }

  /** The Gateway's base URL, without a trailing slash. Throws {@link ConfigError} when none is configured. */
  gatewayUrl(): string {
    if (!this.profile.gatewayUrl) {
      throw new ConfigError("no gateway url: set `gateway_url` in the runtime profile or CARACAL_GATEWAY_URL");
    }
    return this.profile.gatewayUrl.replace(/\/+$/, "");
  }

  /** @internal */
  requireSession(what: string): AgentSession {
    const session = this.#current.getStore();
    if (!session) {
      throw new NoActiveSessionError(`${what} needs an agent session: call it inside \`caracal.spawn(async () => { ... })\``);
    }
    return session;
  }

  /** @internal */
  defaultScopes(session: AgentSession, resourceId: string): string[] {
    const credential = this.profile.credentials.find((c) => c.resource === resourceId);
    if (credential) {
      if (session.scopes.length > 0) {
        const kept = credential.scopes.filter((s) => session.scopes.includes(s));
        return kept.length > 0 ? kept : [...session.scopes];
      }
      return [...credential.scopes];
    }
    if (session.scopes.length > 0) return [...session.scopes];
    throw new ConfigError(`no scopes known for \`${resourceId}\`: add a [[credentials]] entry for it to the profile `
      + "(`caracal setup` writes one), spawn with scopes, or pass { scopes }");
  }

  async #open(parent: AgentSession | undefined, options: SpawnOptions): Promise<AgentSession> {
    const { grant } = options;
    let scopes = options.scopes ?? [];
    let resources = options.resources ?? [];
    let ttl = options.ttlSeconds;
    if (grant?.mode === "narrow") {
      if (grant.scopes.length) scopes = grant.scopes;
      if (grant.resources.length) resources = grant.resources;
      ttl = grant.ttlSeconds ?? ttl;
    }
    // delegated from the current session, or at the top level under `caracal run` from the run's
    // session (read now, so ending the run's session ends this one too); `Grant.none()` opts out
    const parentToken = grant?.mode === "none" ? undefined
      : parent !== undefined ? parent.token
        : process.env["CARACAL_SESSION_TOKEN"] || undefined;
    const delegate = parentToken !== undefined;
    if (!parent) {
      if (grant?.mode !== "none") {
        // a top-level session holds no more than the profile's credentials
        if (!scopes.length) scopes = [...new Set(this.profile.credentials.flatMap((c) => c.scopes))];
        if (!resources.length) resources = [...new Set(this.profile.credentials.map((c) => c.resource))];
      }
      ttl ??= this.profile.ttlSeconds;
    } else if (grant?.mode === "none") {
      const remaining = Math.floor(parent.secondsLeft);
      if (remaining <= 0) {
        throw new CaracalError(`cannot spawn: the parent session \`${parent.id}\` has expired`, { reason: "session_expired" });
      }
      ttl = Math.min(ttl ?? this.profile.ttlSeconds, remaining);
    }
    const traceId = parent?.traceId ?? randomBytes(16).toString("hex");
    const body = await this.sts.openSession({
      ttlSeconds: ttl, scopes, resources, labels: options.labels,
      parentSessionToken: parentToken,
      traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
    });
    const id = body["session_id"];
    const token = body["session_token"];
    if (typeof id !== "string" || typeof token !== "string") {
      throw new CaracalError("cannot open a session: the sts answered without a session id and token", { reason: "sts_bad_response" });
    }
    const expiresIn = typeof body["expires_in"] === "number" ? body["expires_in"] : ttl ?? 0;
    const expiresAt = typeof body["expires_at"] === "string" ? new Date(body["expires_at"]) : undefined;
    return new AgentSession({
      id,
      rootId: typeof body["root_session_id"] === "string" ? body["root_session_id"] : id,
      depth: typeof body["depth"] === "number" ? body["depth"] : 0,
      hop: parent ? parent.hop + 1 : 0,
      scopes: strings(body["scopes"]),
      resources: strings(body["resources"]),
      expiresAt: expiresAt && !Number.isNaN(expiresAt.getTime()) ? expiresAt : undefined,
      traceId,
      delegated: delegate,
      parent,
      deadline: performance.now() + expiresIn * 1000,
    }, token, this.#newCache(token, traceId));
  }

  #newCache(sessionToken: string, traceId: string): TokenCache {
    return new TokenCache(async (resource, scopes) => {
      const body: Json = await this.sts.exchange(sessionToken, resource, scopes, this.tokenTtlSeconds,
        `00-${traceId}-${randomBytes(8).toString("hex")}-01`);
      const token = body["access_token"];
      if (typeof token !== "string" || !token) {
        throw new CaracalError(`cannot get a token for \`${resource}\`: the sts answered without an access_token`,
          { reason: "sts_bad_response" });
      }
      return { token, lifetimeSeconds: typeof body["expires_in"] === "number" ? body["expires_in"] : 60 };
    });
  }

  #prefetchKeys(session: AgentSession): Array<[string, string[]]> {
    const keys: Array<[string, string[]]> = [];
    for (const credential of this.profile.credentials) {
      if (session.resources.length && !session.resources.includes(credential.resource)) continue;
      const scopes = session.scopes.length
        ? credential.scopes.filter((s) => session.scopes.includes(s))
        : [...credential.scopes];
      if (scopes.length) keys.push([credential.resource, scopes]);
    }
    return keys;
  }

  async #end(session: AgentSession): Promise<void> {
    session.tokens.close();
    try {
      await this.sts.endSession(session.id, session.traceparent());
    } catch (e) {
      if (e instanceof CaracalError && e.status === 404) return; // already gone with an ancestor
      throw e;
    }
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
