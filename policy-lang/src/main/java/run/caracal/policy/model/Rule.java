package run.caracal.policy.model;

import java.util.List;
import java.util.Optional;
import run.caracal.policy.source.Position;
import run.caracal.policy.yaml.ScalarText;

/**
 * One rule of a policy. {@code scopes} may hold {@code *}, which applies to every scope; an
 * absent {@code when} is always true.
 */
public record Rule(
    ScalarText name,
    Effect effect,
    List<ScalarText> scopes,
    Optional<ScalarText> when,
    Optional<String> reason,
    Position position) {
  public static final String ANY_SCOPE = "*";

  public Rule {
    scopes = List.copyOf(scopes);
  }

  public boolean appliesToEveryScope() {
    return scopes.stream().anyMatch(s -> s.value().equals(ANY_SCOPE));
  }
}
