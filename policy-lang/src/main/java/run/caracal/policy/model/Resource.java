package run.caracal.policy.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;
import run.caracal.policy.source.Position;
import run.caracal.policy.yaml.ScalarText;

/**
 * A {@code kind: Resource} document: a protected API, the scopes it declares, and optionally its
 * upstream URL and the operations (method + path → scope) the Gateway maps requests to.
 */
public record Resource(
    Metadata metadata,
    Position position,
    Node node,
    ScalarText id,
    List<ScalarText> scopes,
    List<String> labels,
    Map<String, String> attributes,
    Optional<String> upstream,
    List<Operation> operations) implements Document {
  public Resource {
    scopes = List.copyOf(scopes);
    labels = List.copyOf(labels);
    attributes = Map.copyOf(attributes);
    operations = List.copyOf(operations);
  }

  /** One declared operation: requests with this method and path need this scope. */
  public record Operation(String method, String path, ScalarText scope) {}

  @Override
  public Kind kind() {
    return Kind.RESOURCE;
  }

  public List<String> scopeValues() {
    return scopes.stream().map(ScalarText::value).toList();
  }
}
