package run.caracal.control.session;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An agent session: who opened it, its place in a delegation tree (parent, root, lineage of
 * ancestor ids, depth), the scopes and resources it may use, and its lifetime.
 */
public record SessionRecord(
    String id, String zoneId, String appId, Optional<String> parentId, String rootId, List<String> lineage, int depth,
    List<String> scopes, List<String> resources, boolean oneShot, Instant createdAt, Instant expiresAt,
    Optional<Instant> terminatedAt) {
  public SessionRecord {
    lineage = List.copyOf(lineage);
    scopes = List.copyOf(scopes);
    resources = List.copyOf(resources);
  }

  public boolean activeAt(Instant now) {
    return terminatedAt.isEmpty() && now.isBefore(expiresAt);
  }
}
