package run.caracal.ledger.chain;

import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.LedgerEvent;

/**
 * The canonical encoding of an event (version 1) and its hash.
 *
 * <p>The encoding is an RFC 8785 JSON object with exactly these members, all strings except
 * {@code seq} and {@code v} (integers); absent optional fields are empty strings:
 * {@code actor, app, chain_id, decision, event_id, event_type, explanation, occurred_at,
 * prev_hash, request_id, resource, seq, session_id, token_fp, trace_id, v, zone}. The
 * explanation is embedded as one JSON string holding the exact stored text (it is not parsed).
 * {@code hash = lowercase_hex(sha256(utf8(encoding)))}. Stateless and thread-safe.
 */
public final class EventHashing {
  /** Version of the canonical encoding, the {@code v} member. */
  public static final int VERSION = 1;

  private static final ThreadLocal<CanonicalJson> BUFFER =
      ThreadLocal.withInitial(() -> new CanonicalJson(2048));

  private EventHashing() {}

  /** The canonical encoding of {@code event} at {@code seq} in {@code chainId}. */
  public static String canonical(LedgerEvent event, String chainId, long seq, String prevHash) {
    return write(new CanonicalJson(384 + event.explanation().length()), event, chainId, seq,
        prevHash).finish();
  }

  private static CanonicalJson write(CanonicalJson json, LedgerEvent event, String chainId,
      long seq, String prevHash) {
    return json
        .str("actor", event.actor())
        .str("app", event.app())
        .str("chain_id", chainId)
        .str("decision", event.decision().wire())
        .str("event_id", event.id())
        .str("event_type", event.type())
        .str("explanation", event.explanation())
        .str("occurred_at", Timestamps.format(event.occurredAt()))
        .str("prev_hash", prevHash)
        .str("request_id", event.requestId())
        .str("resource", event.resource())
        .num("seq", seq)
        .str("session_id", event.sessionId())
        .str("token_fp", event.tokenFingerprint())
        .str("trace_id", event.traceId())
        .num("v", VERSION)
        .str("zone", event.zone());
  }

  /** The hash of {@code event} at {@code seq} in {@code chainId} after {@code prevHash}. */
  public static String hash(LedgerEvent event, String chainId, long seq, String prevHash) {
    return write(BUFFER.get().reset(), event, chainId, seq, prevHash).sha256Hex();
  }

  /** Recomputes the hash of a recorded event from its fields. */
  public static String recompute(AppendedEvent recorded) {
    return hash(recorded.event(), recorded.chainId(), recorded.seq(), recorded.prevHash());
  }
}
