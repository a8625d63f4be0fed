package run.caracal.ledger;

import java.util.Objects;

/**
 * The single failure type of the ledger: a lowercase, one-line message plus a stable
 * snake_case {@link #code() code} that callers and tools may match on.
 *
 * <p>Futures returned by {@link Ledger#append} complete exceptionally with this exception
 * (for example {@code ledger_write_failed}, {@code ledger_overloaded}, {@code ledger_closed});
 * synchronous methods throw it directly. Instances are immutable.
 */
public final class LedgerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  /** Creates an exception with a stable code and a message. */
  public LedgerException(String code, String message) {
    this(code, message, null);
  }

  /** Creates an exception with a stable code, a message and the underlying cause. */
  public LedgerException(String code, String message, Throwable cause) {
    super(code + ": " + Objects.requireNonNull(message, "message"), cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  /** The stable snake_case error code, e.g. {@code ledger_write_failed}. */
  public String code() {
    return code;
  }
}
