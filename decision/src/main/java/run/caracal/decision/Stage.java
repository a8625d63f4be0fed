package run.caracal.decision;

import java.util.Locale;

/**
 * Where a request was refused, in the order the pipeline checks: the protocol request itself,
 * client authentication, the token, liveness of its session and token, the application, the
 * request's bounds (scopes and resources within the session, delegation depth), routing to a
 * registered resource and operation, rate limits, the policy engine, the ledger, the upstream.
 */
public enum Stage {
  REQUEST,
  CLIENT,
  TOKEN,
  LIVENESS,
  APPLICATION,
  BOUNDS,
  ROUTING,
  RATE_LIMIT,
  POLICY,
  RECORD,
  UPSTREAM;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The stage with this id; REQUEST for an id no version wrote. */
  public static Stage fromId(String id) {
    for (Stage s : values()) {
      if (s.id().equals(id)) {
        return s;
      }
    }
    return REQUEST;
  }
}
