package run.caracal.decision;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.time.Instant;
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
 * Immutable and thread-safe.
 *
 * @param json the input as a JSON object text
 * @param masked the paths whose values were replaced, as `request.body.card.number`
 */
public record RecordedInput(String json, List<String> masked) {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  public RecordedInput {
    Objects.requireNonNull(json, "json");
    masked = List.copyOf(masked);
  }

  /**
   * The input again, ready for the engine.
   *
   * @throws IllegalArgumentException when the JSON is not an input this or an earlier version wrote
   */
  public DecisionInput toDecisionInput() {
    try {
      JsonNode root = MAPPER.readTree(json);
      Instant now = Instant.parse(root.path("now").asText());
      return new DecisionInput(
          parse(root, "principal", Principal.newBuilder()),
          parse(root, "session", Session.newBuilder()),
          parse(root, "delegation", Delegation.newBuilder()),
          parse(root, "resource", Resource.newBuilder()),
          parse(root, "request", Request.newBuilder()),
          parse(root, "context", Context.newBuilder()),
          now,
          ScopeMatch.fromId(root.path("scopeMatch").asText("all")));
    } catch (JsonProcessingException | InvalidProtocolBufferException | DateTimeParseException e) {
      throw new IllegalArgumentException("recorded input is not readable: " + e.getMessage(), e);
    }
  }

  /** The input as a JSON tree. */
  public JsonNode tree() {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("recorded input is not json", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> T parse(JsonNode root, String field, Message.Builder builder)
      throws InvalidProtocolBufferException {
    JsonNode part = root.path(field);
    if (part.isObject()) {
      PARSER.merge(part.toString(), builder);
    }
    return (T) builder.build();
  }
}
