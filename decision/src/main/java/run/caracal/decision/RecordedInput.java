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
 * Immutable and thread-safe: the JSON is held privately and handed out as copies. One read for
 * replay ({@link StreamingRecords}) holds the input's messages and its text, and parses the
 * text into a tree only when asked for it.
 */
public final class RecordedInput {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Null until asked for when read for replay (then {@link #text} holds it). */
  private volatile JsonNode tree;
  private final String text;
  private final DecisionInput input;
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
    this.text = null;
    this.input = null;
    this.masked = List.copyOf(masked);
  }

  /**
   * An input read for replay: {@code json}, a JSON object text, already read into {@code input}
   * (what {@link #toDecisionInput} would read from it).
   */
  RecordedInput(String json, List<String> masked, DecisionInput input) {
    this.tree = null;
    this.text = Objects.requireNonNull(json, "json");
    this.input = Objects.requireNonNull(input, "input");
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
    return view().toString();
  }

  /** The paths whose values were replaced by fingerprints. */
  public List<String> masked() {
    return masked;
  }

  /** The input as a JSON tree (a copy). */
  public JsonNode tree() {
    return view().deepCopy();
  }

  /** The tree itself, for writers that only read it. */
  JsonNode view() {
    JsonNode t = tree;
    if (t == null) {
      t = parse(text); // the same tree every time: racing threads may both parse it
      tree = t;
    }
    return t;
  }

  /**
   * The input again, ready for the engine.
   *
   * @throws IllegalArgumentException when the JSON is not an input this or an earlier version wrote
   */
  public DecisionInput toDecisionInput() {
    if (input != null) {
      return input;
    }
    JsonNode root = view();
    try {
      return new DecisionInput(
          parse(root, "principal", Principal.newBuilder()),
          parse(root, "session", Session.newBuilder()),
          parse(root, "delegation", Delegation.newBuilder()),
          parse(root, "resource", Resource.newBuilder()),
          parse(root, "request", Request.newBuilder()),
          parse(root, "context", Context.newBuilder()),
          Times.parse(root.path("now").asText()),
          ScopeMatch.fromId(root.path("scopeMatch").asText("all")));
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
    return o instanceof RecordedInput other && view().equals(other.view()) && masked.equals(other.masked);
  }

  @Override
  public int hashCode() {
    return Objects.hash(view(), masked);
  }

  @Override
  public String toString() {
    return "RecordedInput[" + json() + ", masked=" + masked + "]";
  }
}
