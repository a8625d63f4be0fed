package run.caracal.ledger.verify;

import java.util.Objects;

/**
 * One problem found by verification, located by chain id and sequence ({@code 0} when the
 * finding is not about one event, e.g. a missing registry entry; the chain id is empty when
 * not about one chain).
 */
public record Finding(FindingKind kind, String chainId, long seq, String message) {
  public Finding {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(chainId, "chainId");
    Objects.requireNonNull(message, "message");
  }

  /** The stable code of the kind. */
  public String code() {
    return kind.code();
  }

  /** One line: {@code code chain=<id> seq=<n>: message}. */
  @Override
  public String toString() {
    return kind.code() + (chainId.isEmpty() ? "" : " chain=" + chainId)
        + (seq > 0 ? " seq=" + seq : "") + ": " + message;
  }
}
