package run.caracal.ledger.event;

import java.util.Locale;

/** The outcome an event records; {@link #NONE} for events that are not decisions. */
public enum Decision {
  ALLOW,
  DENY,
  NONE;

  private final String wire = name().toLowerCase(Locale.ROOT);

  /** The lowercase wire form used in the database, the hash and exports. */
  public String wire() {
    return wire;
  }

  /**
   * Parses the wire form.
   *
   * @throws IllegalArgumentException when {@code value} is not {@code allow}, {@code deny} or
   *     {@code none}
   */
  public static Decision fromWire(String value) {
    switch (value) {
      case "allow":
        return ALLOW;
      case "deny":
        return DENY;
      case "none":
        return NONE;
      default:
        throw new IllegalArgumentException("invalid_decision: unknown decision `" + value + "`");
    }
  }
}
