package run.caracal.sts.session;

import java.util.List;
import java.util.Optional;

/**
 * A request to open a session: optional lifetime, scopes and resources to narrow to, labels, and
 * for delegation the parent's session token.
 */
public record SessionRequest(
    Optional<Long> ttlSeconds, List<String> scopes, List<String> resources, List<String> labels,
    Optional<String> parentSessionToken) {
  public SessionRequest {
    scopes = List.copyOf(scopes);
    resources = List.copyOf(resources);
    labels = List.copyOf(labels);
  }

  public static SessionRequest root() {
    return new SessionRequest(Optional.empty(), List.of(), List.of(), List.of(), Optional.empty());
  }
}
