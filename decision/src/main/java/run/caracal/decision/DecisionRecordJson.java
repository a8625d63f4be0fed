package run.caracal.decision;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import run.caracal.decision.DecisionRecord.AppRef;
import run.caracal.decision.DecisionRecord.Call;
import run.caracal.decision.DecisionRecord.Hop;
import run.caracal.decision.DecisionRecord.Refusal;
import run.caracal.decision.DecisionRecord.SessionRef;
import run.caracal.engine.decision.DecisionJson;
import run.caracal.engine.decision.Phase;

/**
 * The JSON form of a {@link DecisionRecord}: the one writer (what the services put in a ledger
 * event's explanation) and the one reader (what the CLI and replay read back). The reader takes
 * a ledger event as the admin API and `caracal audit export` give it (`type`, `request_id`,
 * `occurred_at`, `explanation`, ...) and reads records of version 1 and, through
 * {@link LegacyRecords}, the decision events written before records were versioned. Field names
 * are a contract documented in `docs/ledger.md`. A version-1 explanation held as text (an
 * export's) is read in one streaming pass ({@link StreamingRecords}), what replay spends its time
 * on; anything else through a JSON tree. Stateless and thread-safe.
 */
public final class DecisionRecordJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private DecisionRecordJson() {}

  /** The record as the JSON object text a ledger event's explanation holds. */
  public static String write(DecisionRecord r) {
    return toJson(r).toString();
  }

  public static ObjectNode toJson(DecisionRecord r) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("record", DecisionRecord.VERSION);
    root.put("requestId", r.requestId());
    root.put("traceId", r.traceId());
    root.put("phase", r.phase().id());
    root.put("time", r.time().toString());
    root.put("zone", r.zone());
    r.app().ifPresent(a -> root.putObject("app").put("id", a.id()).put("name", a.name()).put("zone", a.zone()));
    r.session().ifPresent(s -> {
      ObjectNode session = root.putObject("session").put("id", s.id()).put("root", s.root()).put("depth", s.depth())
          .put("oneShot", s.oneShot());
      ArrayNode chain = session.putArray("chain");
      s.chain().forEach(h -> chain.addObject().put("app", h.app()).put("session", h.session()));
    });
    root.put("resource", r.resource());
    root.putObject("call").put("method", r.call().method()).put("path", r.call().path()).put("grantType", r.call().grantType());
    r.input().ifPresent(i -> {
      root.set("input", i.view());
      i.masked().forEach(root.putArray("masked")::add);
    });
    r.decision().ifPresent(d -> root.set("decision", DecisionJson.toJson(d)));
    r.refusal().ifPresent(f -> root.putObject("refusal").put("stage", f.stage().id()).put("reason", f.reason())
        .put("status", f.status()));
    r.shadow().ifPresent(d -> root.set("shadow", DecisionJson.toJson(d)));
    return root;
  }

  /** Whether this ledger event holds a decision (`authorization` or `gateway.decision`). */
  public static boolean isDecisionEvent(JsonNode event) {
    String type = type(event);
    return type.equals("authorization") || type.equals("gateway.decision");
  }

  /** An event's type: `type` in the admin API's JSON, `event_type` in an export. */
  static String type(JsonNode event) {
    return event.has("type") ? event.path("type").asText("") : event.path("event_type").asText("");
  }

  /**
   * The decision record a ledger event holds.
   *
   * @throws IllegalArgumentException when the event is not a decision event, or its explanation
   *     is not a record any version wrote
   */
  public static DecisionRecord read(JsonNode event) {
    if (!isDecisionEvent(event)) {
      throw new IllegalArgumentException("event type `" + type(event) + "` holds no decision record");
    }
    JsonNode text = event.path("explanation");
    if (text.isTextual()) {
      Optional<DecisionRecord> streamed = StreamingRecords.read(text.textValue());
      if (streamed.isPresent()) {
        return streamed.get();
      }
    }
    JsonNode x = explanation(event);
    if (!x.has("record")) {
      return LegacyRecords.read(event, x);
    }
    int version = x.path("record").asInt(-1);
    if (version != DecisionRecord.VERSION) {
      throw new IllegalArgumentException("decision record version " + x.path("record").asText() + " is newer than this reader");
    }
    return readV1(x);
  }

  /**
   * The record a version-1 explanation text holds (an export line's `explanation`), read in one
   * streaming pass; empty when it is another version or not in the form {@link #write} writes, and
   * must be read from its event by {@link #read(JsonNode)}. What {@link #read(JsonNode)} gives for
   * an event of a decision type holding this text, when not empty.
   */
  public static Optional<DecisionRecord> readVersion1(String explanation) {
    return StreamingRecords.read(explanation);
  }

  /**
   * {@link #readVersion1(String)} of the text {@code chars[offset, offset + length)}, read only
   * during the call (a parser's buffer, say), without making a string of it.
   */
  public static Optional<DecisionRecord> readVersion1(char[] chars, int offset, int length) {
    return readVersion1(chars, offset, length, Detail.FULL);
  }

  /** {@link #readVersion1(char[], int, int)} keeping {@code detail} of the recorded decision. */
  public static Optional<DecisionRecord> readVersion1(char[] chars, int offset, int length, Detail detail) {
    return StreamingRecords.read(chars, offset, length, detail);
  }

  /**
   * {@link #readVersion1(String)} of the explanation object {@code p} is at (its START_OBJECT
   * read), the parser reading {@code line} as bytes from {@code from} (its offsets count from
   * there): an export line that holds its explanation as an object, read without decoding a
   * string first. Leaves the parser at the object's END_OBJECT when not empty; when empty, the
   * event must be read by {@link #read(JsonNode)}.
   */
  public static Optional<DecisionRecord> readVersion1(JsonParser p, byte[] line, int from) {
    return readVersion1(p, line, from, Detail.FULL);
  }

  /** {@link #readVersion1(JsonParser, byte[], int)} keeping {@code detail} of the recorded decision. */
  public static Optional<DecisionRecord> readVersion1(JsonParser p, byte[] line, int from, Detail detail) {
    return StreamingRecords.read(p, line, from, detail);
  }

  /** How much of a record's decision a streaming read keeps (its shadow decision is always read whole). */
  public enum Detail {
    /** All of it, as {@link #read(JsonNode)} gives it. */
    FULL,
    /**
     * Its verdict and phase only, the rest skipped unread (a fifth of a replay's time went to
     * reading the rule evaluations, and a replay compares verdicts).
     */
    VERDICT
  }

  /** The explanation object of an event, whether the event holds it as an object or as JSON text. */
  static JsonNode explanation(JsonNode event) {
    JsonNode x = event.path("explanation");
    if (x.isTextual()) {
      try {
        return MAPPER.readTree(x.asText());
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("explanation is not json", e);
      }
    }
    return x;
  }

  private static DecisionRecord readV1(JsonNode x) {
    Optional<AppRef> app = x.has("app")
        ? Optional.of(new AppRef(x.at("/app/id").asText(), x.at("/app/name").asText(""), x.at("/app/zone").asText("")))
        : Optional.empty();
    Optional<SessionRef> session = Optional.empty();
    if (x.has("session")) {
      JsonNode s = x.path("session");
      List<Hop> chain = new ArrayList<>();
      s.path("chain").forEach(h -> chain.add(new Hop(h.path("app").asText(), h.path("session").asText())));
      session = Optional.of(new SessionRef(s.path("id").asText(), s.path("root").asText(""), s.path("depth").asInt(0),
          s.path("oneShot").asBoolean(false), chain));
    }
    JsonNode c = x.path("call");
    Optional<RecordedInput> input = Optional.empty();
    if (x.path("input").isObject()) {
      List<String> masked = new ArrayList<>();
      x.path("masked").forEach(m -> masked.add(m.asText()));
      input = Optional.of(new RecordedInput(x.path("input"), masked));
    }
    Optional<Refusal> refusal = x.has("refusal")
        ? Optional.of(new Refusal(Stage.fromId(x.at("/refusal/stage").asText()), x.at("/refusal/reason").asText(),
            x.at("/refusal/status").asInt(0)))
        : Optional.empty();
    return new DecisionRecord(DecisionRecord.VERSION, x.path("requestId").asText(""), x.path("traceId").asText(""),
        Phase.fromId(x.path("phase").asText()), instant(x.path("time").asText()), x.path("zone").asText(""), app, session, x.path("resource").asText(""),
        new Call(c.path("method").asText(""), c.path("path").asText(""), c.path("grantType").asText("")), input,
        x.has("decision") ? Optional.of(DecisionJson.fromJson(x.path("decision"))) : Optional.empty(), refusal,
        x.has("shadow") ? Optional.of(DecisionJson.fromJson(x.path("shadow"))) : Optional.empty());
  }

  static Instant instant(String text) {
    try {
      return Times.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("`" + text + "` is not a time", e);
    }
  }
}
