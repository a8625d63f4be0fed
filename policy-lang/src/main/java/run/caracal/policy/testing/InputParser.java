package run.caracal.policy.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import run.caracal.policy.cel.InputSchema;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.input.Session;

/**
 * Reads a decision input written as YAML (a test case) or JSON (`policy eval --input`) into
 * typed messages. Field names follow the input schema (snake_case; lowerCamelCase is accepted);
 * an unknown field or a wrong type is an error naming the field. Stateless and thread-safe.
 */
public final class InputParser {
  /** Thrown for input that does not match the schema; the message names the field. */
  public static final class InvalidInputException extends Exception {
    private final transient Optional<Node> node;

    InvalidInputException(String message, Optional<Node> node) {
      super(message);
      this.node = node;
    }

    /** The YAML node the problem is at, when known. */
    public Optional<Node> node() {
      return node;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> KEYS = Set.of(InputSchema.PRINCIPAL, InputSchema.SESSION, InputSchema.DELEGATION,
      InputSchema.RESOURCE, InputSchema.REQUEST, InputSchema.CONTEXT, InputSchema.NOW);
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();
  private static final Set<String> PHASES = Set.of("", "issue", "request");

  /** Reads a YAML mapping node. */
  public ParsedInput fromYaml(Node node) throws InvalidInputException {
    if (!(node instanceof MappingNode mapping)) {
      throw new InvalidInputException("input must be a mapping", Optional.of(node));
    }
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, Node> nodes = new LinkedHashMap<>();
    for (NodeTuple t : mapping.getValue()) {
      String key = ((ScalarNode) t.getKeyNode()).getValue();
      values.put(key, plain(t.getValueNode()));
      nodes.put(key, t.getKeyNode());
    }
    return fromMap(values, nodes);
  }

  /** Reads a JSON object. */
  public ParsedInput fromJson(String json) throws InvalidInputException {
    try {
      Object parsed = JSON.readValue(json, Object.class);
      if (!(parsed instanceof Map<?, ?> map)) {
        throw new InvalidInputException("input must be a json object", Optional.empty());
      }
      Map<String, Object> values = new LinkedHashMap<>();
      map.forEach((k, v) -> values.put(String.valueOf(k), v));
      return fromMap(values, Map.of());
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("input is not valid json: " + e.getOriginalMessage(), Optional.empty());
    }
  }

  private ParsedInput fromMap(Map<String, Object> values, Map<String, Node> nodes)
      throws InvalidInputException {
    for (String key : values.keySet()) {
      if (!KEYS.contains(key)) {
        throw new InvalidInputException("unknown input `" + key + "` (expected one of "
            + String.join(", ", KEYS.stream().sorted().toList()) + ")", Optional.ofNullable(nodes.get(key)));
      }
    }
    Optional<Instant> now = Optional.empty();
    Object nowValue = values.get(InputSchema.NOW);
    if (nowValue != null) {
      try {
        now = Optional.of(Instant.parse(String.valueOf(nowValue)));
      } catch (DateTimeParseException e) {
        throw new InvalidInputException("`now` must be an RFC 3339 time like `2026-01-31T09:30:00Z`",
            Optional.ofNullable(nodes.get(InputSchema.NOW)));
      }
    }
    Request request = message(values, InputSchema.REQUEST, Request.newBuilder(), nodes);
    if (!PHASES.contains(request.getPhase())) {
      throw new InvalidInputException("`request.phase` must be `issue` or `request`, not `" + request.getPhase() + "`",
          Optional.ofNullable(nodes.get(InputSchema.REQUEST)));
    }
    return new ParsedInput(
        message(values, InputSchema.PRINCIPAL, Principal.newBuilder(), nodes),
        message(values, InputSchema.SESSION, Session.newBuilder(), nodes),
        message(values, InputSchema.DELEGATION, Delegation.newBuilder(), nodes),
        message(values, InputSchema.RESOURCE, Resource.newBuilder(), nodes),
        request,
        message(values, InputSchema.CONTEXT, Context.newBuilder(), nodes),
        now);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> T message(Map<String, Object> values, String key, Message.Builder builder,
      Map<String, Node> nodes) throws InvalidInputException {
    Object value = values.get(key);
    if (value != null) {
      if (!(value instanceof Map)) {
        throw new InvalidInputException("`" + key + "` must be a mapping", Optional.ofNullable(nodes.get(key)));
      }
      try {
        PARSER.merge(JSON.writeValueAsString(value), builder);
      } catch (InvalidProtocolBufferException | JsonProcessingException e) {
        throw new InvalidInputException("`" + key + "`: " + describe(e.getMessage()), Optional.ofNullable(nodes.get(key)));
      }
    }
    return (T) builder.build();
  }

  private static String describe(String message) {
    String m = message == null ? "invalid value" : message.replaceAll("\\s+", " ").trim();
    m = m.replaceAll("in message caracal\\.v1\\.\\w+", "").replace("Cannot find field:", "unknown field").trim();
    return m.isEmpty() ? "invalid value" : Character.toLowerCase(m.charAt(0)) + m.substring(1);
  }

  /** A YAML node as plain Java values, honouring int, float, bool and null tags. */
  static Object plain(Node node) {
    if (node instanceof MappingNode m) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (NodeTuple t : m.getValue()) {
        out.put(((ScalarNode) t.getKeyNode()).getValue(), plain(t.getValueNode()));
      }
      return out;
    }
    if (node instanceof SequenceNode s) {
      List<Object> out = new ArrayList<>();
      s.getValue().forEach(n -> out.add(plain(n)));
      return out;
    }
    ScalarNode scalar = (ScalarNode) node;
    Tag tag = scalar.getTag();
    String text = scalar.getValue();
    try {
      if (tag.equals(Tag.NULL)) {
        return null;
      }
      if (tag.equals(Tag.BOOL)) {
        return Boolean.parseBoolean(text.toLowerCase(Locale.ROOT));
      }
      if (tag.equals(Tag.INT)) {
        return Long.parseLong(text.replace("_", ""));
      }
      if (tag.equals(Tag.FLOAT)) {
        return Double.parseDouble(text.replace("_", ""));
      }
    } catch (NumberFormatException e) {
      return text;
    }
    return text;
  }
}
