package run.caracal.ledger.event;

import java.util.Objects;

/**
 * An event as recorded: the event plus its place in a hash chain. Returned by appends and
 * queries. Immutable and thread-safe.
 *
 * @param event the event
 * @param chainId the chain (one per writer process start)
 * @param seq position in the chain, starting at 1, contiguous
 * @param prevHash hash of the previous event in the chain (64 zeros for the first)
 * @param hash lowercase hex SHA-256 of the event's canonical encoding
 */
public record AppendedEvent(
    LedgerEvent event, String chainId, long seq, String prevHash, String hash) {
  public AppendedEvent {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(chainId, "chainId");
    Objects.requireNonNull(prevHash, "prevHash");
    Objects.requireNonNull(hash, "hash");
  }
}
