package run.caracal.engine.decision;

import java.util.Locale;

/**
 * How the requested scopes combine. {@code ALL}: allowed iff every requested scope is granted
 * (token issue, a declared operation's one scope). {@code ANY}: allowed iff at least one is (a
 * Gateway call to a resource without declared operations is allowed when any one of the token's
 * scopes is allowed for it); the decision's granted scopes name which.
 */
public enum ScopeMatch {
  ALL,
  ANY;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** `any` is ANY; anything else, including empty, is ALL. */
  public static ScopeMatch fromId(String id) {
    return "any".equals(id) ? ANY : ALL;
  }
}
