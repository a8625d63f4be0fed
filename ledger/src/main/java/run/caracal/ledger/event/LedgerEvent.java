package run.caracal.ledger.event;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * One event to append: who did what, where, with which outcome, plus the engine's explanation
 * as JSON text that the ledger stores but does not interpret.
 *
 * <p>Optional text fields are the empty string when absent (stored as SQL {@code NULL}); no
 * accessor returns {@code null}. {@code occurredAt} is truncated to microseconds, the precision
 * both databases keep. {@code tokenFingerprint} holds a {@link Fingerprint} value (never a raw
 * token or jti). Immutable and thread-safe; build one with {@link #builder(String)}.
 *
 * @param id unique event id (1..128 characters)
 * @param type an {@link EventTypes event type}
 * @param decision allow, deny or none
 * @param occurredAt when it happened (UTC instant, microsecond precision)
 * @param requestId request id, or empty
 * @param traceId trace id, or empty
 * @param sessionId agent session id, or empty
 * @param tokenFingerprint fingerprint of the token's {@code jti}, or empty
 * @param zone zone id, or empty
 * @param app application id, or empty
 * @param resource resource id, or empty
 * @param actor who acted (application, admin, service), or empty
 * @param explanation JSON object text, or empty
 * @throws IllegalArgumentException (from the constructor) when a field is missing, too long,
 *     holds a NUL or unpaired surrogate, or has the wrong format
 */
public record LedgerEvent(
    String id,
    String type,
    Decision decision,
    Instant occurredAt,
    String requestId,
    String traceId,
    String sessionId,
    String tokenFingerprint,
    String zone,
    String app,
    String resource,
    String actor,
    String explanation) {

  /** Longest accepted explanation, in characters. */
  public static final int MAX_EXPLANATION_CHARS = 262_144;

  public LedgerEvent {
    id = Texts.required("id", id, 128);
    Objects.requireNonNull(type, "type");
    if (!EventTypes.isValid(type)) {
      throw new IllegalArgumentException("invalid_event_type: unknown event type `" + type + "`");
    }
    Objects.requireNonNull(decision, "decision");
    occurredAt = Objects.requireNonNull(occurredAt, "occurredAt").truncatedTo(ChronoUnit.MICROS);
    requestId = Texts.optional("request_id", requestId, 128);
    traceId = Texts.optional("trace_id", traceId, 128);
    sessionId = Texts.optional("session_id", sessionId, 128);
    tokenFingerprint = Texts.optional("token_fp", tokenFingerprint, 22);
    if (!tokenFingerprint.isEmpty() && !Fingerprint.isFingerprint(tokenFingerprint)) {
      throw new IllegalArgumentException("invalid_fingerprint: token_fp is not a fingerprint");
    }
    zone = Texts.optional("zone", zone, 256);
    app = Texts.optional("app", app, 256);
    resource = Texts.optional("resource", resource, 1024);
    actor = Texts.optional("actor", actor, 256);
    explanation = Texts.optional("explanation", explanation, MAX_EXPLANATION_CHARS);
  }

  /** Starts a builder for an event of {@code type}; id and time must be set before build. */
  public static Builder builder(String type) {
    return new Builder(type);
  }

  /** Returns a copy with another explanation. */
  public LedgerEvent withExplanation(String newExplanation) {
    return new LedgerEvent(id, type, decision, occurredAt, requestId, traceId, sessionId,
        tokenFingerprint, zone, app, resource, actor, newExplanation);
  }

  /**
   * Mutable builder for {@link LedgerEvent}; not thread-safe. Token fields accept only a
   * {@link Fingerprint}, so a raw token cannot be passed by mistake.
   */
  public static final class Builder {
    private final String type;
    private String id;
    private Decision decision = Decision.NONE;
    private Instant occurredAt;
    private String requestId = "";
    private String traceId = "";
    private String sessionId = "";
    private String tokenFingerprint = "";
    private String zone = "";
    private String app = "";
    private String resource = "";
    private String actor = "";
    private String explanation = "";

    private Builder(String type) {
      this.type = type;
    }

    public Builder id(String value) { this.id = value; return this; }

    public Builder decision(Decision value) { this.decision = value; return this; }

    public Builder occurredAt(Instant value) { this.occurredAt = value; return this; }

    public Builder requestId(String value) { this.requestId = value; return this; }

    public Builder traceId(String value) { this.traceId = value; return this; }

    public Builder sessionId(String value) { this.sessionId = value; return this; }

    /** The fingerprint of the token's {@code jti}: {@code Fingerprint.of(jti)}. */
    public Builder token(Fingerprint jtiFingerprint) {
      this.tokenFingerprint = jtiFingerprint.value();
      return this;
    }

    public Builder zone(String value) { this.zone = value; return this; }

    public Builder app(String value) { this.app = value; return this; }

    public Builder resource(String value) { this.resource = value; return this; }

    public Builder actor(String value) { this.actor = value; return this; }

    /** The explanation: a JSON object as text. */
    public Builder explanation(String json) { this.explanation = json; return this; }

    /**
     * Builds the event.
     *
     * @throws IllegalArgumentException when a field is invalid (see {@link LedgerEvent})
     * @throws NullPointerException when id or time is not set
     */
    public LedgerEvent build() {
      return new LedgerEvent(id, type, decision, occurredAt, requestId, traceId, sessionId,
          tokenFingerprint, zone, app, resource, actor, explanation);
    }
  }
}
