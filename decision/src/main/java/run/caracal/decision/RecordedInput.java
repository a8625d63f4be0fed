package run.caracal.decision;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Message;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.input.Session;

/**
 * A decision input as recorded: its JSON (field names as policies write them, `root_id`,
 * `parent_scopes`...) with the values at sensitive paths replaced by fingerprints, and the list
 * of those paths. {@link #toDecisionInput} reads it back for replay; a masked value then holds
 * its fingerprint, so a decision that reads it may come out differently (see {@link #masked}).
 * Immutable and thread-safe: the JSON is held privately and handed out as copies.
 */
public final class RecordedInput {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final JsonNode tree;
  private final List<String> masked;

  /**
   * @param json the input as a JSON object text
   * @param masked the paths whose values were replaced, as `request.body.card.number`
   * @throws IllegalArgumentException when {@code json} is not a JSON object
   */
  public RecordedInput(String json, List<String> masked) {
    this(parse(Objects.requireNonNull(json, "json")), masked);
  }

  /** Takes ownership of {@code tree}: the caller must not change it afterwards. */
  RecordedInput(JsonNode tree, List<String> masked) {
    if (!tree.isObject()) {
      throw new IllegalArgumentException("a recorded input is a JSON object");
    }
    this.tree = tree;
    this.masked = List.copyOf(masked);
  }

  private static JsonNode parse(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("recorded input is not json", e);
    }
  }

  /** The input as a JSON object text. */
  public String json() {
    return tree.toString();
  }

  /** The paths whose values were replaced by fingerprints. */
  public List<String> masked() {
    return masked;
  }

  /** The input as a JSON tree (a copy). */
  public JsonNode tree() {
    return tree.deepCopy();
  }

  /** The tree itself, for writers that only read it. */
  JsonNode view() {
    return tree;
  }

  /**
   * The input again, ready for the engine.
   *
   * @throws IllegalArgumentException when the JSON is not an input this or an earlier version wrote
   */
  public DecisionInput toDecisionInput() {
    try {
      return new DecisionInput(
          parse(tree, "principal", Principal.newBuilder()),
          parse(tree, "session", Session.newBuilder()),
          parse(tree, "delegation", Delegation.newBuilder()),
          parse(tree, "resource", Resource.newBuilder()),
          parse(tree, "request", Request.newBuilder()),
          parse(tree, "context", Context.newBuilder()),
          Times.parse(tree.path("now").asText()),
          ScopeMatch.fromId(tree.path("scopeMatch").asText("all")));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("recorded input is not readable: " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> T parse(JsonNode root, String field, Message.Builder builder) {
    JsonNode part = root.path(field);
    if (part.isObject()) {
      ProtoJson.merge(part, builder);
    }
    return (T) builder.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecordedInput other && tree.equals(other.tree) && masked.equals(other.masked);
  }

  @Override
  public int hashCode() {
    return Objects.hash(tree, masked);
  }

  @Override
  public String toString() {
    return "RecordedInput[" + json() + ", masked=" + masked + "]";
  }
}
