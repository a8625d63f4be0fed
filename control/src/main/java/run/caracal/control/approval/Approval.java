package run.caracal.control.approval;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One request held for a person's approval, bound to the digest of that exact request.
 *
 * @param summary what was asked, for approvers (method, path, scopes, MCP tool and arguments as recorded; never secrets)
 * @param approvers every approver group the holding rules name (none: any approver)
 * @param expiresAt a pending or denied approval answers until then; an approved one is usable until then
 * @param approverGroups the groups of each holding rule that names groups: an approver must be in a
 *     group of each (empty for approvals opened before this was recorded: then any of {@code approvers})
 */
public record Approval(
    String id, String zoneId, String digest, State state, String appId, Optional<String> sessionId, String resource,
    Map<String, Object> summary, Duration ttl, Reuse reuse, List<String> approvers, String requestId, Instant requestedAt,
    Instant expiresAt, Optional<Instant> decidedAt, Optional<String> decidedBy, Optional<String> comment,
    List<List<String>> approverGroups) {
  /** How long a request waits for a decision before its approval expires. */
  public static final Duration PENDING_FOR = Duration.ofHours(24);

  public Approval {
    approvers = List.copyOf(approvers);
    summary = Map.copyOf(summary);
    approverGroups = approverGroups.stream().map(List::copyOf).toList();
  }

  /** Whether an approver in these groups may answer: in a group of each rule that names groups. */
  public boolean mayBeApprovedBy(Collection<String> groups) {
    if (!approverGroups.isEmpty()) {
      return approverGroups.stream().allMatch(rule -> rule.stream().anyMatch(groups::contains));
    }
    return approvers.isEmpty() || approvers.stream().anyMatch(groups::contains);
  }

  /** The approver groups for people: `finance`, `finance or ops`, `finance and (legal or ops)`; `any approver`. */
  public String groupsText() {
    if (approverGroups.isEmpty()) {
      return approvers.isEmpty() ? "any approver" : String.join(" or ", approvers);
    }
    List<String> each = approverGroups.stream().map(g -> g.size() == 1 || approverGroups.size() == 1 ? String.join(" or ", g)
        : "(" + String.join(" or ", g) + ")").toList();
    return String.join(" and ", each);
  }

  /** Where an approval is in its life. */
  public enum State {
    PENDING, APPROVED, DENIED, EXPIRED, USED;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<State> fromId(String id) {
      for (State s : values()) {
        if (s.id().equals(id)) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }
  }

  /** For one request, or for every identical request until it expires. */
  public enum Reuse {
    ONCE, UNTIL_EXPIRY;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
