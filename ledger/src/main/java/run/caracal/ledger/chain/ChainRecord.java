package run.caracal.ledger.chain;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of the chain registry: a writer's chain, numbered by a global {@code ordinal}
 * (1, 2, 3, ... without gaps) and itself hash-chained, so removing a whole chain leaves a
 * gap or a broken link that signed checkpoints expose.
 *
 * <p>Canonical encoding (RFC 8785): {@code chain_id, ordinal, prev_hash, started_at, v, writer}
 * ({@code ordinal} and {@code v} integers); {@code hash = sha256} of it, like events.
 * Immutable and thread-safe.
 */
public record ChainRecord(
    long ordinal, String chainId, Instant startedAt, String writer, String prevHash,
    String hash) {
  public ChainRecord {
    Objects.requireNonNull(chainId, "chainId");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(writer, "writer");
    Objects.requireNonNull(prevHash, "prevHash");
    Objects.requireNonNull(hash, "hash");
  }

  /** Creates the entry that follows {@code previous} (or the first, when previous is null). */
  public static ChainRecord next(
      RegistryHead previous, String chainId, Instant startedAt, String writer) {
    long ordinal = previous.ordinal() + 1;
    String prev = previous.hash();
    return new ChainRecord(ordinal, chainId, startedAt, writer, prev,
        computeHash(ordinal, chainId, startedAt, writer, prev));
  }

  /** The canonical encoding of an entry. */
  public static String canonical(
      long ordinal, String chainId, Instant startedAt, String writer, String prevHash) {
    return new CanonicalJson(256)
        .str("chain_id", chainId)
        .num("ordinal", ordinal)
        .str("prev_hash", prevHash)
        .str("started_at", Timestamps.format(startedAt))
        .num("v", 1)
        .str("writer", writer)
        .finish();
  }

  /** The hash of an entry. */
  public static String computeHash(
      long ordinal, String chainId, Instant startedAt, String writer, String prevHash) {
    return Hashes.sha256Hex(canonical(ordinal, chainId, startedAt, writer, prevHash));
  }

  /** Whether the stored hash matches the fields. */
  public boolean hashMatches() {
    return hash.equals(computeHash(ordinal, chainId, startedAt, writer, prevHash));
  }

  /** This entry as a registry head. */
  public RegistryHead head() {
    return new RegistryHead(ordinal, hash);
  }
}
