package run.caracal.control.resource;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A protected resource registered in a zone: its id, declared scopes, labels and attributes,
 * the upstream the Gateway forwards to, and optional operations (method + path → scope).
 * The upstream credential itself is never part of this record; only whether one is set.
 */
public record ResourceBinding(
    String zoneId, String id, List<String> scopes, List<String> labels, Map<String, String> attributes,
    Optional<String> upstream, List<Operation> operations, boolean hasUpstreamCredential,
    Instant createdAt, Instant updatedAt) {
  /** Requests with this method and path pattern need this scope. */
  public record Operation(String method, String path, String scope) {}

  public ResourceBinding {
    scopes = List.copyOf(scopes);
    labels = List.copyOf(labels);
    attributes = Map.copyOf(attributes);
    operations = List.copyOf(operations);
  }

  /** As decision input. */
  public run.caracal.policy.input.Resource toInput() {
    return run.caracal.policy.input.Resource.newBuilder()
        .setId(id).addAllScopes(scopes).addAllLabels(labels).putAllAttributes(attributes).build();
  }
}
