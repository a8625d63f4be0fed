package run.caracal.ledger.verify;

import java.util.Locale;

/** What verification found wrong; {@link #code()} is the stable snake_case code. */
public enum FindingKind {
  /** An event's fields no longer hash to its stored hash: a field was edited. */
  CONTENT_CHANGED,
  /** An event hashes correctly only at another sequence: rows were swapped or moved. */
  ORDER_CHANGED,
  /** Sequences are missing inside a chain: events were deleted. */
  EVENT_MISSING,
  /** An event's prev_hash does not match the event before it: one was replaced or re-hashed. */
  LINK_BROKEN,
  /** A chain ends before the sequence its last valid checkpoint signed: the tail was cut. */
  TAIL_TRUNCATED,
  /** A validly signed checkpoint names a hash the event at that sequence does not have. */
  CHECKPOINT_MISMATCH,
  /** A checkpoint's signature does not verify with its key: forged or edited. */
  CHECKPOINT_SIGNATURE_INVALID,
  /** A checkpoint is signed by a key the verifier does not trust. */
  CHECKPOINT_KEY_UNKNOWN,
  /** A chain registry entry is missing (a whole chain was deleted). */
  CHAIN_MISSING,
  /** Events or checkpoints name a chain that is not in the registry. */
  CHAIN_UNREGISTERED,
  /** A registry entry was edited, or differs from what a signed checkpoint covers. */
  REGISTRY_CHANGED,
  /** An export file is malformed, reordered or cut short. */
  EXPORT_MALFORMED;

  /** The stable code, e.g. {@code content_changed}. */
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }
}
