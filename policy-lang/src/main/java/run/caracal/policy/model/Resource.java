package run.caracal.policy.model;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import run.caracal.policy.source.Position;
import run.caracal.policy.yaml.ScalarText;

/**
 * A {@code kind: Resource} document: a protected API, the scopes it declares, and optionally its
 * upstream URL and the operations (method + path → scope) the Gateway maps requests to. An MCP
 * server ({@code protocol: mcp}) declares tools (name glob → scope, optionally the tool's input
 * schema) instead of operations, and the argument paths masked in decision records.
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
    List<Operation> operations,
    Protocol protocol,
    List<Tool> tools,
    List<String> maskArguments) implements Document {
  public Resource {
    scopes = List.copyOf(scopes);
    labels = List.copyOf(labels);
    attributes = Map.copyOf(attributes);
    operations = List.copyOf(operations);
    tools = List.copyOf(tools);
    maskArguments = List.copyOf(maskArguments);
  }

  /** One declared operation: requests with this method and path need this scope. */
  public record Operation(String method, String path, ScalarText scope) {}

  /** How clients speak to the resource: plain HTTP, or MCP (JSON-RPC over Streamable HTTP). */
  public enum Protocol {
    HTTP, MCP;

    /** The id written in documents: {@code http} or {@code mcp}. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Protocol> fromId(String id) {
      for (Protocol p : values()) {
        if (p.id().equals(id)) {
          return Optional.of(p);
        }
      }
      return Optional.empty();
    }
  }

  /**
   * One declared MCP tool: calls of tools whose names match the glob {@code name} ({@code *} any
   * run of characters) need {@code scope}; {@code arguments} is what its input schema declares.
   */
  public record Tool(ScalarText name, ScalarText scope, Optional<Arguments> arguments) {
    /** Whether this declaration covers the tool named {@code tool}. */
    public boolean matches(String tool) {
      StringBuilder re = new StringBuilder();
      for (String part : name.value().split("\\*", -1)) {
        re.append(re.isEmpty() ? "" : ".*").append(Pattern.quote(part));
      }
      return Pattern.matches(re.toString(), tool);
    }

    /** Whether the name is a glob rather than one tool's name. */
    public boolean glob() {
      return name.value().contains("*");
    }
  }

  /**
   * The arguments a tool's input schema declares: its top-level property names, and whether it
   * admits others ({@code additionalProperties} true or a schema, or {@code patternProperties}).
   * A schema that says nothing about other properties is taken as declaring all of them, which is
   * what MCP servers generating schemas from typed parameters mean.
   */
  public record Arguments(List<String> names, boolean open) {
    public Arguments {
      names = List.copyOf(names);
    }
  }

  @Override
  public Kind kind() {
    return Kind.RESOURCE;
  }

  public List<String> scopeValues() {
    return scopes.stream().map(ScalarText::value).toList();
  }
}
