package run.caracal.control.resource;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import run.caracal.policy.input.Resource;

/**
 * A protected resource registered in a zone: its id, declared scopes, labels and attributes,
 * the upstream the Gateway forwards to, and optional operations (method + path → scope).
 * The upstream credential itself is never part of this record; only whether one is set.
 */
public record ResourceBinding(
    String zoneId, String id, List<String> scopes, List<String> labels, Map<String, String> attributes,
    Optional<String> upstream, List<Operation> operations, Optional<BodyInspection> bodyInspection,
    boolean hasUpstreamCredential, Instant createdAt, Instant updatedAt) {
  /** Requests with this method and path pattern need this scope. */
  public record Operation(String method, String path, String scope) {}

  /**
   * The Gateway reads request bodies of these content types (at most {@code maxBytes}, 413
   * beyond) and gives their JSON to policies as {@code request.body}; other bodies stream.
   */
  public record BodyInspection(List<String> contentTypes, int maxBytes) {
    public static final int LIMIT = 1024 * 1024;

    public BodyInspection {
      contentTypes = List.copyOf(contentTypes);
      if (maxBytes < 1 || maxBytes > LIMIT) {
        throw new IllegalArgumentException("body inspection max_bytes must be between 1 and " + LIMIT);
      }
    }

    public boolean covers(String contentType) {
      String base = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
      return contentTypes.stream().anyMatch(t -> t.equalsIgnoreCase(base));
    }
  }

  public ResourceBinding {
    scopes = List.copyOf(scopes);
    labels = List.copyOf(labels);
    attributes = Map.copyOf(attributes);
    operations = List.copyOf(operations);
  }

  /** As decision input. */
  public Resource toInput() {
    return Resource.newBuilder()
        .setId(id).addAllScopes(scopes).addAllLabels(labels).putAllAttributes(attributes).build();
  }
}
