package run.caracal.policy.model;

import java.util.Locale;
import java.util.Optional;

/** What a rule does when its condition holds. */
public enum Effect {
  ALLOW,
  DENY;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Effect> fromId(String id) {
    return switch (id) {
      case "allow" -> Optional.of(ALLOW);
      case "deny" -> Optional.of(DENY);
      default -> Optional.empty();
    };
  }
}
