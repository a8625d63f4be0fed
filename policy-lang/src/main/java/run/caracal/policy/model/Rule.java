package run.caracal.policy.model;

import java.util.List;
import java.util.Optional;
import run.caracal.policy.source.Position;
import run.caracal.policy.yaml.ScalarText;

/**
 * One rule of a policy. {@code scopes} may hold {@code *}, which applies to every scope; an
 * absent {@code when} is always true. {@code approval} is present exactly when the effect is
 * {@code require_approval} (the defaults when the rule has no {@code approval:} block).
 */
public record Rule(
    ScalarText name,
    Effect effect,
    List<ScalarText> scopes,
    Optional<ScalarText> when,
    Optional<String> reason,
    Optional<Approval> approval,
    Position position) {
  public static final String ANY_SCOPE = "*";

  public Rule {
    scopes = List.copyOf(scopes);
    if (approval.isPresent() != (effect == Effect.REQUIRE_APPROVAL)) {
      throw new IllegalArgumentException("approval settings belong to require_approval rules only");
    }
  }

  public boolean appliesToEveryScope() {
    return scopes.stream().anyMatch(s -> s.value().equals(ANY_SCOPE));
  }
}
