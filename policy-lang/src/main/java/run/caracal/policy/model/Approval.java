package run.caracal.policy.model;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code approval:} settings of a {@code require_approval} rule: how long a granted approval
 * stays usable, whether it covers one request or every identical request until it expires, and
 * which approver groups may grant it (any approver when the list is empty). Immutable. The
 * constructor throws {@link IllegalArgumentException} when {@code ttl} is not positive or is
 * above {@link #MAX_TTL}.
 */
public record Approval(Duration ttl, Reuse reuse, List<String> approvers) {
  /** The time to live when a rule gives none. */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(15);
  /** The longest time to live a rule may give. */
  public static final Duration MAX_TTL = Duration.ofHours(24);
  /** The settings of a rule without an {@code approval:} block. */
  public static final Approval DEFAULT = new Approval(DEFAULT_TTL, Reuse.ONCE, List.of());

  /** How often one granted approval may be used. */
  public enum Reuse {
    /** For one request only (the default). */
    ONCE,
    /** For every identical request until the approval expires. */
    UNTIL_EXPIRY;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Reuse> fromId(String id) {
      return switch (id) {
        case "once" -> Optional.of(ONCE);
        case "until_expiry" -> Optional.of(UNTIL_EXPIRY);
        default -> Optional.empty();
      };
    }
  }

  public Approval {
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(reuse, "reuse");
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("approval ttl must be above 0 and at most 24h");
    }
    approvers = List.copyOf(approvers);
  }

  /** Whether any approver may grant it (no group named). */
  public boolean anyApprover() {
    return approvers.isEmpty();
  }

  /** Whether an approver in {@code groups} may grant it: any approver when no group is named. */
  public boolean mayBeGrantedBy(Set<String> groups) {
    return anyApprover() || approvers.stream().anyMatch(groups::contains);
  }
}
