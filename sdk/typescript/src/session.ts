/** Agent sessions, delegation grants and the per-session cache of resource tokens. */

import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";

/**
 * What a nested `spawn` hands its child session.
 *
 * - `Grant.inherit()` (the default for a nested spawn): a delegated child that holds the parent's
 *   scopes and resources.
 * - `Grant.narrow({ scopes, resource, ttlSeconds })`: a delegated child holding only a subset. The
 *   STS refuses (`invalid_scope` / `invalid_target`) a child that asks for anything its parent does
 *   not hold, so a narrowed grant can never widen.
 * - `Grant.none()`: no delegation at all: the child is a session of its own, under the app's
 *   policy-bounded authority, with no parent link and none of the parent's scopes. Its lifetime is
 *   capped at the parent's; it shares the parent's trace.
 *
 * At the top level `inherit` bounds the session to the profile's credentials, `narrow` to the
 * given subset, and `none` leaves it unbounded. Under `caracal run` (`CARACAL_SESSION_TOKEN` set)
 * a top-level `inherit` or `narrow` session is delegated from the run's session; `none` stays
 * independent.
 */
export class Grant {
  private constructor(
    readonly mode: "inherit" | "narrow" | "none",
    readonly scopes: readonly string[] = [],
    readonly resources: readonly string[] = [],
    readonly ttlSeconds?: number,
  ) {
    Object.freeze(this);
  }

  static inherit(): Grant {
    return new Grant("inherit");
  }

  static none(): Grant {
    return new Grant("none");
  }

  static narrow(options: { scopes?: string | readonly string[]; resource?: string | readonly string[]; ttlSeconds?: number } = {}): Grant {
    const { ttlSeconds } = options;
    if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)) {
      throw new RangeError("Grant.narrow: ttlSeconds must be a positive integer");
    }
    return new Grant("narrow", list(options.scopes), list(options.resource), ttlSeconds);
  }
}

function list(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  if (typeof value === "string") return Object.freeze(value.split(/[ ,]+/).filter((s) => s !== ""));
  return Object.freeze([...value]);
}

export interface SessionFields {
  id: string;
  rootId: string;
  depth: number;
  hop: number;
  scopes: readonly string[];
  resources: readonly string[];
  expiresAt: Date | undefined;
  traceId: string;
  delegated: boolean;
  parent: AgentSession | undefined;
  deadline: number;
}

/**
 * An open agent session, bound as the current context inside `spawn`. `scopes` and `resources`
 * are what the STS granted (empty: not bounded by the session); `depth` is the delegation depth,
 * `hop` the number of spawns from the root (sent as baggage). The session token is not an own
 * property, so logging a session does not print it.
 */
export class AgentSession {
  readonly id: string;
  readonly rootId: string;
  readonly depth: number;
  readonly hop: number;
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
  readonly expiresAt: Date | undefined;
  readonly traceId: string;
  readonly delegated: boolean;
  readonly parent: AgentSession | undefined;
  readonly #token: string;
  readonly #deadline: number;
  readonly #tokens: TokenCache;

  constructor(fields: SessionFields, token: string, tokens: TokenCache) {
    this.id = fields.id;
    this.rootId = fields.rootId;
    this.depth = fields.depth;
    this.hop = fields.hop;
    this.scopes = Object.freeze([...fields.scopes]);
    this.resources = Object.freeze([...fields.resources]);
    this.expiresAt = fields.expiresAt;
    this.traceId = fields.traceId;
    this.delegated = fields.delegated;
    this.parent = fields.parent;
    this.#token = token;
    this.#deadline = fields.deadline;
    this.#tokens = tokens;
  }

  /** The session token (a JWT); handle with care. */
  get token(): string {
    return this.#token;
  }

  /** @internal the session's resource tokens. */
  get tokens(): TokenCache {
    return this.#tokens;
  }

  /** Seconds until the session expires (by this process's clock). */
  get secondsLeft(): number {
    return Math.max(0, (this.#deadline - performance.now()) / 1000);
  }

  /** A W3C `traceparent` in this session's trace, with a new span id. */
  traceparent(): string {
    return `00-${this.traceId}-${randomBytes(8).toString("hex")}-01`;
  }

  /** The W3C `baggage` members that carry this session: id and hop. */
  baggage(): string {
    return `caracal.session_id=${this.id},caracal.hop=${this.hop}`;
  }

  toJSON(): Record<string, unknown> {
    return { id: this.id, rootId: this.rootId, depth: this.depth, hop: this.hop, scopes: this.scopes,
      resources: this.resources, expiresAt: this.expiresAt, traceId: this.traceId, delegated: this.delegated };
  }
}

export type TokenFetch = (resource: string, scopes: readonly string[]) => Promise<{ token: string; lifetimeSeconds: number }>;

interface Entry {
  token: string;
  refreshAt: number;
  expiresAt: number;
}

const MAX_MARGIN_MS = 30_000;
/** Closer than this to expiry a token is not handed out; callers wait for a new one. */
const FLOOR_MS = 250;
const KEPT_TOKENS = 256;

/**
 * Resource tokens of one session, keyed by (resource, scopes). A token is reused until a refresh
 * margin before it expires (a fifth of its lifetime, at most 30 s); a timer refreshes it then, so
 * the synchronous {@link peek} keeps finding a valid token. One fetch per key at a time; a failed
 * fetch is kept so the synchronous caller can throw it.
 */
export class TokenCache {
  readonly #fetch: TokenFetch;
  readonly #clock: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<string>>();
  readonly #failures = new Map<string, unknown>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #issued = new Map<string, { resource: string; scopes: readonly string[] }>();
  #closed = false;

  constructor(fetch: TokenFetch, clock: () => number = () => performance.now()) {
    this.#fetch = fetch;
    this.#clock = clock;
  }

  /**
   * A token usable now, without waiting: the cached one while it is valid, else undefined (a fetch
   * is then started). Throws the error of the last failed fetch when there is nothing else.
   */
  peek(resource: string, scopes: readonly string[]): string | undefined {
    const key = keyOf(resource, scopes);
    const entry = this.#entries.get(key);
    const now = this.#clock();
    if (entry && now < entry.expiresAt - FLOOR_MS) {
      if (now >= entry.refreshAt) this.#start(key, resource, scopes);
      return entry.token;
    }
    if (!this.#inflight.has(key) && this.#failures.has(key)) {
      const failure = this.#failures.get(key);
      this.#failures.delete(key);
      throw failure;
    }
    this.#start(key, resource, scopes);
    return undefined;
  }

  /** A valid token; `stale` names one the Gateway just refused as expired. */
  async get(resource: string, scopes: readonly string[], stale?: string): Promise<string> {
    const key = keyOf(resource, scopes);
    const entry = this.#entries.get(key);
    if (entry && entry.token !== stale && this.#clock() < entry.refreshAt) {
      return entry.token;
    }
    if (entry && entry.token !== stale && this.#clock() < entry.expiresAt - FLOOR_MS) {
      this.#start(key, resource, scopes);
      return entry.token;
    }
    return this.#start(key, resource, scopes);
  }

  /** Obtains the token now; a failure is kept for {@link peek}. */
  async prefetch(resource: string, scopes: readonly string[]): Promise<void> {
    try {
      await this.get(resource, scopes);
    } catch {
      // kept in #failures by #start
    }
  }

  /** The (resource, scopes) a token of this cache was issued for. */
  keyOf(token: string): { resource: string; scopes: readonly string[] } | undefined {
    return this.#issued.get(token);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#entries.clear();
    this.#failures.clear();
  }

  #start(key: string, resource: string, scopes: readonly string[]): Promise<string> {
    const running = this.#inflight.get(key);
    if (running) return running;
    const started = this.#clock();
    const promise = this.#fetch(resource, scopes).then(({ token, lifetimeSeconds }) => {
      const lifetime = Math.max(lifetimeSeconds, 1) * 1000;
      const margin = Math.min(MAX_MARGIN_MS, lifetime / 5);
      if (!this.#closed) {
        this.#entries.set(key, { token, refreshAt: started + lifetime - margin, expiresAt: started + lifetime });
        this.#failures.delete(key);
        this.#issued.set(token, { resource, scopes });
        while (this.#issued.size > KEPT_TOKENS) this.#issued.delete(this.#issued.keys().next().value!);
        this.#schedule(key, resource, scopes, lifetime - margin);
      }
      return token;
    }, (error: unknown) => {
      if (!this.#closed) this.#failures.set(key, error);
      throw error;
    }).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    promise.catch(() => undefined); // kept for peek(); callers that await see it themselves
    return promise;
  }

  #schedule(key: string, resource: string, scopes: readonly string[], delayMs: number): void {
    clearTimeout(this.#timers.get(key));
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      if (!this.#closed) this.#start(key, resource, scopes);
    }, Math.max(0, delayMs));
    timer.unref();
    this.#timers.set(key, timer);
  }
}

function keyOf(resource: string, scopes: readonly string[]): string {
  return `${resource}\n${scopes.join(" ")}`;
}
