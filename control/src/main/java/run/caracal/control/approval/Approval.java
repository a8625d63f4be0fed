package run.caracal.control.approval;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One request held for a person's approval, bound to the digest of that exact request.
 *
 * @param summary what was asked, for approvers (method, path, scopes, MCP tool and arguments as recorded; never secrets)
 * @param expiresAt a pending or denied approval answers until then; an approved one is usable until then
 */
public record Approval(
    String id, String zoneId, String digest, State state, String appId, Optional<String> sessionId, String resource,
    Map<String, Object> summary, Duration ttl, Reuse reuse, List<String> approvers, String requestId, Instant requestedAt,
    Instant expiresAt, Optional<Instant> decidedAt, Optional<String> decidedBy, Optional<String> comment) {
  /** How long a request waits for a decision before its approval expires. */
  public static final Duration PENDING_FOR = Duration.ofHours(24);

  public Approval {
    approvers = List.copyOf(approvers);
    summary = Map.copyOf(summary);
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
