package run.caracal.policy.model;

import java.util.Locale;
import java.util.Optional;

/**
 * What a decision comes to: {@code allow}, {@code deny}, or {@code approval_required} (the
 * request would be allowed, but an applicable {@code require_approval} rule holds and no approval
 * matches it yet). Policy tests expect one of these ids.
 */
public enum Verdict {
  ALLOW,
  DENY,
  APPROVAL_REQUIRED;

  /** The id in decision records and test files, for example {@code approval_required}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Verdict> fromId(String id) {
    return switch (id) {
      case "allow" -> Optional.of(ALLOW);
      case "deny" -> Optional.of(DENY);
      case "approval_required" -> Optional.of(APPROVAL_REQUIRED);
      default -> Optional.empty();
    };
  }
}
