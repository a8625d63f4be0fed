package run.caracal.decision;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import run.caracal.decision.DecisionRecord.AppRef;
import run.caracal.decision.DecisionRecord.Call;
import run.caracal.decision.DecisionRecord.Hop;
import run.caracal.decision.DecisionRecord.Refusal;
import run.caracal.decision.DecisionRecord.SessionRef;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.input.Session;

/**
 * Reads a version-1 record from its JSON text in one pass of a streaming parser, with no JSON
 * tree: the input straight into the engine's messages, the decisions through
 * {@link StreamingDecisions}. What replay spends most of its time on. Only the form
 * {@link DecisionRecordJson#write} writes is read here (a key given twice counts once, with its
 * last value, as in a tree); anything else (another version, a value of an unexpected type, a
 * value the domain types refuse) gives empty,
 * and the caller reads the text with the tree reader, which says what it means: both readers
 * give equal records for every text this one reads. Stateless and thread-safe.
 */
final class StreamingRecords {
  /** Plain: a key given twice is read as a tree reads it, the last value counting (no duplicate check to pay for). */
  static final JsonFactory JSON = new JsonFactory();

  private StreamingRecords() {}

  /** The record {@code text} holds, or empty when the tree reader must read it. */
  static Optional<DecisionRecord> read(String text) {
    char[] chars = text.toCharArray();
    return read(chars, 0, chars.length, DecisionRecordJson.Detail.FULL);
  }

  /**
   * The record {@code text[offset, offset + length)} holds, or empty when the tree reader must
   * read it. The characters are only read during the call.
   */
  static Optional<DecisionRecord> read(char[] text, int offset, int length, DecisionRecordJson.Detail detail) {
    try (JsonParser p = JSON.createParser(text, offset, length)) {
      Unusual.unless(p.nextToken() == JsonToken.START_OBJECT);
      DecisionRecord r = record(p, new Chars(text, offset, offset + length), detail);
      Unusual.unless(p.nextToken() == null);
      return Optional.of(r);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The record of the object {@code p} is at (its START_OBJECT read), the parser reading
   * {@code source} as bytes from {@code from} (an export line holding its explanation as an
   * object): leaves the parser at the object's END_OBJECT, or empty (the parser anywhere inside
   * it) when the tree reader must read it. The bytes are only read during the call.
   */
  static Optional<DecisionRecord> read(JsonParser p, byte[] source, int from, DecisionRecordJson.Detail detail) {
    try {
      Unusual.unless(p.currentToken() == JsonToken.START_OBJECT);
      return Optional.of(record(p, new Bytes(source, from), detail));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** What is being read, for the input's own text. */
  private interface Text {
    /** A location's offset in this text's units. */
    long offset(JsonLocation at);

    /**
     * The object text between the offsets {@code start} (its `{`) and {@code end} (after its
     * `}`), as {@link #offset} gives them.
     */
    String object(long start, long end);
  }

  /** Characters the parser was given from {@code from}: its offsets count from there. */
  private record Chars(char[] chars, int from, int to) implements Text {
    @Override
    public long offset(JsonLocation at) {
      return at.getCharOffset();
    }

    @Override
    public String object(long start, long end) {
      long a = from + start;
      long b = from + end;
      Unusual.unless(from <= a && a < b && b <= to && chars[(int) a] == '{' && chars[(int) b - 1] == '}');
      return new String(chars, (int) a, (int) (b - a));
    }
  }

  /** UTF-8 bytes the parser was given from {@code from}: its offsets count from there. */
  private record Bytes(byte[] bytes, int from) implements Text {
    @Override
    public long offset(JsonLocation at) {
      return from + at.getByteOffset();
    }

    @Override
    public String object(long start, long end) {
      Unusual.unless(from <= start && start < end && end <= bytes.length && bytes[(int) start] == '{' && bytes[(int) end - 1] == '}');
      return new String(bytes, (int) start, (int) (end - start), StandardCharsets.UTF_8);
    }
  }

  private static DecisionRecord record(JsonParser p, Text text, DecisionRecordJson.Detail detail) throws IOException {
    int version = -1;
    String requestId = "";
    String traceId = "";
    String phase = "";
    String time = "";
    String zone = "";
    String resource = "";
    Optional<AppRef> app = Optional.empty();
    Optional<SessionRef> session = Optional.empty();
    Call call = Call.NONE;
    Optional<Decision> decision = Optional.empty();
    Optional<Decision> shadow = Optional.empty();
    Optional<Refusal> refusal = Optional.empty();
    Input input = null;
    List<String> masked = List.of();
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "record" -> version = Unusual.int32(t, p);
        case "requestId" -> requestId = Unusual.text(t, p);
        case "traceId" -> traceId = Unusual.text(t, p);
        case "phase" -> phase = Unusual.text(t, p);
        case "time" -> time = Unusual.text(t, p);
        case "zone" -> zone = Unusual.text(t, p);
        case "resource" -> resource = Unusual.text(t, p);
        case "app" -> app = Optional.of(app(t, p));
        case "session" -> session = Optional.of(session(t, p));
        case "call" -> call = call(t, p);
        case "input" -> input = input(t, p, text);
        case "masked" -> masked = strings(t, p);
        case "decision" -> decision = Optional.of(detail == DecisionRecordJson.Detail.VERDICT
            ? StreamingDecisions.verdict(t, p) : StreamingDecisions.decision(t, p));
        case "shadow" -> shadow = Optional.of(StreamingDecisions.decision(t, p));
        case "refusal" -> refusal = Optional.of(refusal(t, p));
        default -> p.skipChildren();
      }
    }
    Unusual.unless(version == DecisionRecord.VERSION);
    Optional<RecordedInput> recorded = input == null ? Optional.empty()
        : Optional.of(new RecordedInput(input.json(), masked, input.decisionInput()));
    return new DecisionRecord(DecisionRecord.VERSION, requestId, traceId, Phase.fromId(phase), Times.parse(time), zone, app,
        session, resource, call, recorded, decision, refusal, shadow);
  }

  private static AppRef app(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    String id = "";
    String name = "";
    String zone = "";
    for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
      JsonToken v = p.nextToken();
      switch (field) {
        case "id" -> id = Unusual.text(v, p);
        case "name" -> name = Unusual.text(v, p);
        case "zone" -> zone = Unusual.text(v, p);
        default -> p.skipChildren();
      }
    }
    return new AppRef(id, name, zone);
  }

  private static SessionRef session(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    String id = "";
    String root = "";
    int depth = 0;
    boolean oneShot = false;
    List<Hop> chain = List.of();
    for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
      JsonToken v = p.nextToken();
      switch (field) {
        case "id" -> id = Unusual.text(v, p);
        case "root" -> root = Unusual.text(v, p);
        case "depth" -> depth = Unusual.int32(v, p);
        case "oneShot" -> oneShot = Unusual.bool(v);
        case "chain" -> {
          Unusual.unless(v == JsonToken.START_ARRAY);
          chain = new ArrayList<>();
          for (JsonToken h = p.nextToken(); h != JsonToken.END_ARRAY; h = p.nextToken()) {
            chain.add(hop(h, p));
          }
        }
        default -> p.skipChildren();
      }
    }
    return new SessionRef(id, root, depth, oneShot, chain);
  }

  private static Hop hop(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    String app = "";
    String session = "";
    for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
      JsonToken v = p.nextToken();
      switch (field) {
        case "app" -> app = Unusual.text(v, p);
        case "session" -> session = Unusual.text(v, p);
        default -> p.skipChildren();
      }
    }
    return new Hop(app, session);
  }

  private static Call call(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    String method = "";
    String path = "";
    String grantType = "";
    for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
      JsonToken v = p.nextToken();
      switch (field) {
        case "method" -> method = Unusual.text(v, p);
        case "path" -> path = Unusual.text(v, p);
        case "grantType" -> grantType = Unusual.text(v, p);
        default -> p.skipChildren();
      }
    }
    return new Call(method, path, grantType);
  }

  private static Refusal refusal(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    String stage = "";
    String reason = "";
    int status = 0;
    for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
      JsonToken v = p.nextToken();
      switch (field) {
        case "stage" -> stage = Unusual.text(v, p);
        case "reason" -> reason = Unusual.text(v, p);
        case "status" -> status = Unusual.int32(v, p);
        default -> p.skipChildren();
      }
    }
    return new Refusal(Stage.fromId(stage), reason, status);
  }

  /** A recorded input: its text (for the tree, should one ask) and its messages, read now. */
  private record Input(String json, DecisionInput decisionInput) {}

  private static Input input(JsonToken t, JsonParser p, Text text) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    long start = text.offset(p.currentTokenLocation());
    Principal principal = Principal.getDefaultInstance();
    Session session = Session.getDefaultInstance();
    Delegation delegation = Delegation.getDefaultInstance();
    Resource resource = Resource.getDefaultInstance();
    Request request = Request.getDefaultInstance();
    Context context = Context.getDefaultInstance();
    Instant now = null;
    ScopeMatch scopeMatch = ScopeMatch.ALL;
    for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
      JsonToken v = p.nextToken();
      switch (field) {
        case "principal" -> principal = part(v, p, StreamingInput::principal);
        case "session" -> session = part(v, p, StreamingInput::session);
        case "delegation" -> delegation = part(v, p, StreamingInput::delegation);
        case "resource" -> resource = part(v, p, StreamingInput::resource);
        case "request" -> request = part(v, p, StreamingInput::request);
        case "context" -> context = part(v, p, StreamingInput::context);
        case "now" -> now = Times.parse(Unusual.text(v, p));
        case "scopeMatch" -> scopeMatch = ScopeMatch.fromId(Unusual.text(v, p));
        default -> p.skipChildren();
      }
    }
    Unusual.unless(now != null);
    return new Input(text.object(start, text.offset(p.currentLocation())),
        new DecisionInput(principal, session, delegation, resource, request, context, now, scopeMatch));
  }

  /** A message of the input, read by its typed reader; a null is the default message, as a tree reads it. */
  private static <T> T part(JsonToken t, JsonParser p, Part<T> read) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    return read.read(p);
  }

  /** One of {@link StreamingInput}'s readers. */
  private interface Part<T> {
    T read(JsonParser p) throws IOException;
  }

  /** An array of strings. */
  static List<String> strings(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.START_ARRAY);
    List<String> out = new ArrayList<>();
    for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
      out.add(Unusual.text(v, p));
    }
    return out;
  }
}
