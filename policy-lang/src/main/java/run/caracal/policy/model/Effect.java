package run.caracal.policy.model;

import java.util.Locale;
import java.util.Optional;

/**
 * What a rule does when its condition holds: {@code allow} grants its scopes, {@code deny}
 * refuses them and overrides everything, {@code require_approval} holds an otherwise allowed
 * request until a person approves it.
 */
public enum Effect {
  ALLOW,
  DENY,
  REQUIRE_APPROVAL;

  /** The id written in policy files, for example {@code require_approval}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Effect> fromId(String id) {
    return switch (id) {
      case "allow" -> Optional.of(ALLOW);
      case "deny" -> Optional.of(DENY);
      case "require_approval" -> Optional.of(REQUIRE_APPROVAL);
      default -> Optional.empty();
    };
  }
}
