package run.caracal.decision;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.PolicySetRef;

/**
 * One decision as the ledger keeps it (record version {@value #VERSION}): who asked for what, the
 * decision input as the engine saw it (masked), the engine's {@link Decision}, or the stage and
 * reason that refused the request before the engine, the deciding policy-set version, and the
 * shadow set's decision when one was active. The one type the services write and the CLI reads;
 * `docs/ledger.md` documents its JSON form field by field. Immutable and thread-safe.
 *
 * @param version the record version this was read from: {@value #VERSION}, or 0 for an event
 *     written before records were versioned (read by the compatibility reader; it has no input)
 * @param requestId the request id (`caracal explain` takes it)
 * @param traceId the trace id, or empty
 * @param phase `issue` (STS) or `request` (Gateway)
 * @param time when it was decided
 * @param zone the zone the request was decided in, or empty when it was refused before one was known
 * @param app the application that asked, when it was known
 * @param session the session and its delegation chain, when known
 * @param resource the resource id asked for, or empty
 * @param call what was asked at the edge: method and path (Gateway), grant type (STS)
 * @param input the decision input, masked; empty for an old event
 * @param decision the engine's decision; empty when the request was refused before the engine
 * @param refusal why the request was refused, when it was (before the engine, or by the policy)
 * @param shadow the shadow set's decision on the same input, when a shadow set was active
 */
public record DecisionRecord(
    int version,
    String requestId,
    String traceId,
    Phase phase,
    Instant time,
    String zone,
    Optional<AppRef> app,
    Optional<SessionRef> session,
    String resource,
    Call call,
    Optional<RecordedInput> input,
    Optional<Decision> decision,
    Optional<Refusal> refusal,
    Optional<Decision> shadow) {
  /** The record version this code writes. */
  public static final int VERSION = 1;

  public DecisionRecord {
    Objects.requireNonNull(requestId, "requestId");
    traceId = Objects.requireNonNullElse(traceId, "");
    Objects.requireNonNull(phase, "phase");
    Objects.requireNonNull(time, "time");
    zone = Objects.requireNonNullElse(zone, "");
    resource = Objects.requireNonNullElse(resource, "");
    call = Objects.requireNonNullElse(call, Call.NONE);
    if (decision.isEmpty() && refusal.isEmpty()) {
      throw new IllegalArgumentException("a record holds a decision, a refusal, or both");
    }
  }

  /** Whether the request was allowed: the engine allowed it and nothing refused it. */
  public boolean allowed() {
    return refusal.isEmpty() && decision.map(Decision::allowed).orElse(false);
  }

  /** The reason the request came out as it did: the refusal's, else the engine's first. */
  public String reason() {
    return refusal.map(r -> r.reason())
        .orElseGet(() -> decision.flatMap(d -> d.reasons().stream().findFirst()).map(r -> r.id()).orElse(""));
  }

  /** The policy-set version that decided, when the engine decided with one. */
  public Optional<PolicySetRef> policySet() {
    return decision.map(Decision::policySet).filter(p -> !p.isNone());
  }

  /** Whether a shadow set decided and came out differently from the active one. */
  public boolean shadowDisagrees() {
    return shadow.isPresent() && decision.map(d -> d.verdict() != shadow.get().verdict()).orElse(!shadow.get().allowed());
  }

  /** The application that asked: id, name and zone. */
  public record AppRef(String id, String name, String zone) {
    public AppRef {
      Objects.requireNonNull(id, "id");
      name = Objects.requireNonNullElse(name, "");
      zone = Objects.requireNonNullElse(zone, "");
    }
  }

  /**
   * The session that asked: its id, root, depth, whether it backs one `client_credentials`
   * token, and the delegation chain from the root down to the parent.
   */
  public record SessionRef(String id, String root, int depth, boolean oneShot, List<Hop> chain) {
    public SessionRef {
      Objects.requireNonNull(id, "id");
      root = Objects.requireNonNullElse(root, "");
      chain = List.copyOf(chain);
    }
  }

  /** One delegation hop: the app and session that delegated. */
  public record Hop(String app, String session) {}

  /** What was asked at the edge: HTTP method and path at the Gateway, the grant type at the STS. */
  public record Call(String method, String path, String grantType) {
    public static final Call NONE = new Call("", "", "");

    public Call {
      method = Objects.requireNonNullElse(method, "");
      path = Objects.requireNonNullElse(path, "");
      grantType = Objects.requireNonNullElse(grantType, "");
    }

    public static Call http(String method, String path) {
      return new Call(method, path, "");
    }

    public static Call grant(String grantType) {
      return new Call("", "", grantType);
    }
  }

  /**
   * Why a request was refused: the stage, the reason code, and the status the edge answered.
   * A policy deny is a refusal at stage {@code policy} beside the engine's decision.
   */
  public record Refusal(Stage stage, String reason, int status) {
    public Refusal {
      Objects.requireNonNull(stage, "stage");
      Objects.requireNonNull(reason, "reason");
    }

    public static Refusal of(Reason reason, int status) {
      return new Refusal(reason.stage(), reason.id(), status);
    }
  }
}
