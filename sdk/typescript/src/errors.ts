/**
 * Errors thrown by the SDK. Each carries Caracal's reason code and, when a server answered, the
 * request id that `caracal explain <request-id>` takes.
 */

/** What an error knows besides its message. */
export interface ErrorDetails {
  /** Caracal's stable snake_case reason (`session_revoked`, `scope_escalation`, `denied_by_rule`...). */
  reason?: string | undefined;
  /** The STS or Gateway request that failed: `caracal explain <requestId>` says why. */
  requestId?: string | undefined;
  /** The HTTP status, when a server answered. */
  status?: number | undefined;
  /** The protocol error (`invalid_scope`, `access_denied`, `forbidden`...). */
  error?: string | undefined;
  cause?: unknown;
}

/** Base of every SDK error. */
export class CaracalError extends Error {
  override name = "CaracalError";
  readonly reason: string | undefined;
  readonly requestId: string | undefined;
  readonly status: number | undefined;
  readonly error: string | undefined;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.reason = details.reason;
    this.requestId = details.requestId;
    this.status = details.status;
    this.error = details.error;
  }

  /** `caracal explain <requestId>`, or undefined without a request id. */
  get explainCommand(): string | undefined {
    return this.requestId ? `caracal explain ${this.requestId}` : undefined;
  }
}

/** The runtime profile or the `CARACAL_*` environment cannot be used; the message names what to fix. */
export class ConfigError extends CaracalError {
  override name = "ConfigError";

  constructor(message: string) {
    super(message, { reason: "config_invalid" });
  }
}

/** A call that needs an agent session ran outside `caracal.spawn()`. */
export class NoActiveSessionError extends CaracalError {
  override name = "NoActiveSessionError";

  constructor(message: string) {
    super(message, { reason: "no_active_session" });
  }
}

/** The STS refused or failed a request (opening a session, a token exchange, ending a session). */
export class StsError extends CaracalError {
  override name = "StsError";

  static fromBody(what: string, status: number, body: Record<string, unknown>, requestId: string | undefined): StsError {
    const error = text(body["error"]) ?? `http_${status}`;
    const reason = text(body["reason"]);
    const rid = text(body["request_id"]) ?? requestId;
    return new StsError(message(what, error, reason, text(body["error_description"]), rid),
      { error, reason, requestId: rid, status });
  }
}

/**
 * The Gateway refused a request (bad token, revoked session, policy denial, unknown resource,
 * upstream failure); `reason` and `requestId` come from its JSON error body.
 */
export class GatewayError extends CaracalError {
  override name = "GatewayError";

  static fromBody(status: number, body: Record<string, unknown>, requestId: string | undefined): GatewayError {
    const error = text(body["error"]) ?? `http_${status}`;
    const reason = text(body["reason"]);
    const rid = text(body["request_id"]) ?? requestId;
    return new GatewayError(message(`gateway refused the request (http ${status})`, error, reason, text(body["message"]), rid),
      { error, reason, requestId: rid, status });
  }

  /**
   * The error a response stands for: a `GatewayError` when the Gateway itself refused, a plain
   * `CaracalError` for any other status ≥ 400, undefined below 400. Reads a clone of the body,
   * so the response stays readable.
   */
  static async fromResponse(response: Response): Promise<CaracalError | undefined> {
    if (response.status < 400) {
      return undefined;
    }
    const requestId = response.headers.get("x-caracal-request-id") ?? undefined;
    let body: unknown;
    try {
      body = await response.clone().json();
    } catch {
      body = undefined;
    }
    if (isObject(body) && "reason" in body && "error" in body && (requestId === undefined || body["request_id"] === requestId)) {
      return GatewayError.fromBody(response.status, body, requestId);
    }
    const suffix = requestId ? ` [caracal explain ${requestId}]` : "";
    return new CaracalError(`${response.url || "request"} failed with http ${response.status}${suffix}`,
      { status: response.status, requestId, error: `http_${response.status}` });
  }
}

/**
 * A request held for a person's approval did not go through while the transport waited
 * (`waitForApproval`): `approvalId` names the approval (`caracal approvals show <approvalId>`).
 * Thrown as one of its subclasses, or as itself when the Gateway no longer knows the approval
 * (`approval_unknown`).
 */
export class ApprovalError extends CaracalError {
  override name = "ApprovalError";
  readonly approvalId: string;

  constructor(message: string, approvalId: string, details: ErrorDetails = {}) {
    super(message, details);
    this.approvalId = approvalId;
  }
}

/** An approver denied the request (reason `approval_denied`). */
export class ApprovalDeniedError extends ApprovalError {
  override name = "ApprovalDeniedError";
}

/** The approval expired before it was used (reason `approval_expired`); the identical request would open a new one. */
export class ApprovalExpiredError extends ApprovalError {
  override name = "ApprovalExpiredError";
}

/** Nobody answered within `waitForApproval.timeoutMs` (reason `approval_timeout`); the approval may still be approved later. */
export class ApprovalTimeoutError extends ApprovalError {
  override name = "ApprovalTimeoutError";
}

/** The agent session could not be ended when its `spawn` block finished. */
export class SessionEndError extends CaracalError {
  override name = "SessionEndError";
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function message(what: string, error: string, reason: string | undefined, description: string | undefined,
  requestId: string | undefined): string {
  let out = `${what}: ${error}`;
  if (reason) out += ` (${reason})`;
  if (description) out += ` ${description}`;
  if (requestId) out += ` [caracal explain ${requestId}]`;
  return out;
}
