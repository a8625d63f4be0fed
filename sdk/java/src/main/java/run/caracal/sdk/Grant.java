package run.caracal.sdk;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a nested spawn hands its child session.
 *
 * <ul>
 *   <li>{@link #inherit()} (the default for a nested spawn): a delegated child (via
 *       {@code parent_session_token}) holding the parent's scopes and resources;</li>
 *   <li>{@link #narrow(List, String, Duration)}: a delegated child holding only a subset; the STS
 *       refuses ({@code invalid_scope} / {@code invalid_target}) anything the parent does not hold,
 *       so a narrowed grant can never widen;</li>
 *   <li>{@link #none()}: no delegation: an independent session under the app's own policy, capped
 *       at the parent's lifetime, sharing the parent's trace.</li>
 * </ul>
 * At the top level {@code inherit} bounds the session to the profile's credentials, {@code narrow}
 * to the given subset, and {@code none} leaves it unbounded. Under {@code caracal run}
 * ({@code CARACAL_SESSION_TOKEN} set) a top-level {@code inherit} or {@code narrow} session is
 * delegated from the run's session (ending that session ends it); {@code none} stays independent.
 */
public final class Grant {
  /** How the child relates to its parent. */
  public enum Mode { INHERIT, NARROW, NONE }

  private static final Grant INHERIT = new Grant(Mode.INHERIT, List.of(), List.of(), null);
  private static final Grant NONE = new Grant(Mode.NONE, List.of(), List.of(), null);

  private final Mode mode;
  private final List<String> scopes;
  private final List<String> resources;
  private final Long ttlSeconds;

  private Grant(Mode mode, List<String> scopes, List<String> resources, Long ttlSeconds) {
    this.mode = mode;
    this.scopes = List.copyOf(scopes);
    this.resources = List.copyOf(resources);
    this.ttlSeconds = ttlSeconds;
  }

  public static Grant inherit() {
    return INHERIT;
  }

  public static Grant none() {
    return NONE;
  }

  /**
   * A delegated child holding only {@code scopes} on {@code resource} for at most {@code ttl}.
   * Empty scopes / a null resource / a null ttl keep the parent's.
   */
  public static Grant narrow(List<String> scopes, String resource, Duration ttl) {
    Long seconds = null;
    if (ttl != null) {
      if (ttl.isNegative() || ttl.isZero() || ttl.toSeconds() == 0) {
        throw new IllegalArgumentException("Grant.narrow: ttl must be at least one second");
      }
      seconds = ttl.toSeconds();
    }
    return new Grant(Mode.NARROW, scopes == null ? List.of() : scopes, resource == null ? List.of() : List.of(resource), seconds);
  }

  /** A delegated child holding only {@code scopes} (same resources and lifetime bound as the parent). */
  public static Grant narrow(List<String> scopes) {
    return narrow(scopes, null, null);
  }

  /** A delegated child bounded to {@code resource}. */
  public static Grant narrow(String resource) {
    return narrow(List.of(), resource, null);
  }

  public Mode mode() {
    return mode;
  }

  public List<String> scopes() {
    return scopes;
  }

  public List<String> resources() {
    return resources;
  }

  public Optional<Long> ttlSeconds() {
    return Optional.ofNullable(ttlSeconds);
  }

  @Override
  public String toString() {
    return "Grant[" + mode + (mode == Mode.NARROW ? ", scopes=" + scopes + ", resources=" + resources + ", ttlSeconds=" + ttlSeconds : "") + "]";
  }
}
