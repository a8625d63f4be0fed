package run.caracal.sdk;

import java.time.Duration;
import java.util.List;

/**
 * Options of one spawn: the {@link Grant} of a nested spawn, the session's lifetime, explicit
 * scope / resource bounds and labels. Immutable; start from {@link #defaults()} or {@link #grant(Grant)}.
 */
public record SpawnOptions(Grant grant, Duration ttl, List<String> scopes, List<String> resources, List<String> labels) {
  public SpawnOptions {
    grant = grant == null ? Grant.inherit() : grant;
    scopes = scopes == null ? List.of() : List.copyOf(scopes);
    resources = resources == null ? List.of() : List.copyOf(resources);
    labels = labels == null ? List.of() : List.copyOf(labels);
  }

  public static SpawnOptions defaults() {
    return new SpawnOptions(null, null, null, null, null);
  }

  public static SpawnOptions grant(Grant grant) {
    return defaults().withGrant(grant);
  }

  public SpawnOptions withGrant(Grant g) {
    return new SpawnOptions(g, ttl, scopes, resources, labels);
  }

  public SpawnOptions withTtl(Duration t) {
    return new SpawnOptions(grant, t, scopes, resources, labels);
  }

  public SpawnOptions withScopes(List<String> s) {
    return new SpawnOptions(grant, ttl, s, resources, labels);
  }

  public SpawnOptions withResources(List<String> r) {
    return new SpawnOptions(grant, ttl, scopes, r, labels);
  }

  public SpawnOptions withLabels(List<String> l) {
    return new SpawnOptions(grant, ttl, scopes, resources, l);
  }
}
