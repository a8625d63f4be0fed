package run.caracal.decision;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.Timestamp;
import java.io.IOException;
import java.time.Instant;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.DelegationHop;
import run.caracal.policy.input.Mcp;
import run.caracal.policy.input.McpClient;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.input.Session;

/**
 * Reads the decision input's messages from a streaming parser with their typed setters: what
 * {@link ProtoJson#merge(JsonParser, com.google.protobuf.Message.Builder)} does through
 * descriptors and protobuf's reflective {@code setField}, which replay spent a tenth of its time
 * in. Same form, same rules: unknown keys skipped, a null leaves the field unset, a key given
 * twice counts with its last value, anything else throws {@link Unusual}. A field added to
 * `input.proto` must be added here too ({@code StreamingInputTest} fails until it is). Each
 * method takes the parser at the object's START_OBJECT and leaves it at its END_OBJECT.
 * Stateless and thread-safe.
 */
final class StreamingInput {
  private StreamingInput() {}

  static Principal principal(JsonParser p) throws IOException {
    Principal.Builder b = Principal.newBuilder();
    for (String name = start(p); name != null; name = p.nextFieldName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "id" -> b.setId(text(t, p));
        case "name" -> b.setName(text(t, p));
        case "zone" -> b.setZone(text(t, p));
        case "labels" -> strings(t, p, b::clearLabels, b::addLabels);
        case "attributes" -> map(t, p, b::clearAttributes, b::putAttributes);
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  static Session session(JsonParser p) throws IOException {
    Session.Builder b = Session.newBuilder();
    for (String name = start(p); name != null; name = p.nextFieldName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "id" -> b.setId(text(t, p));
        case "root_id" -> b.setRootId(text(t, p));
        case "depth" -> b.setDepth(int64(t, p));
        case "labels" -> strings(t, p, b::clearLabels, b::addLabels);
        case "expires_at" -> {
          b.clearExpiresAt();
          if (t != JsonToken.VALUE_NULL) {
            Instant at = Times.parse(Unusual.text(t, p));
            b.setExpiresAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()));
          }
        }
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  static Delegation delegation(JsonParser p) throws IOException {
    Delegation.Builder b = Delegation.newBuilder();
    for (String name = start(p); name != null; name = p.nextFieldName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "depth" -> b.setDepth(int64(t, p));
        case "chain" -> {
          b.clearChain();
          if (t != JsonToken.VALUE_NULL) {
            Unusual.unless(t == JsonToken.START_ARRAY);
            for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
              Unusual.unless(item == JsonToken.START_OBJECT);
              b.addChain(hop(p));
            }
          }
        }
        case "parent_scopes" -> strings(t, p, b::clearParentScopes, b::addParentScopes);
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static DelegationHop hop(JsonParser p) throws IOException {
    DelegationHop.Builder b = DelegationHop.newBuilder();
    for (String name = start(p); name != null; name = p.nextFieldName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "app" -> b.setApp(text(t, p));
        case "session" -> b.setSession(text(t, p));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  static Resource resource(JsonParser p) throws IOException {
    Resource.Builder b = Resource.newBuilder();
    for (String name = start(p); name != null; name = p.nextFieldName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "id" -> b.setId(text(t, p));
        case "scopes" -> strings(t, p, b::clearScopes, b::addScopes);
        case "labels" -> strings(t, p, b::clearLabels, b::addLabels);
        case "attributes" -> map(t, p, b::clearAttributes, b::putAttributes);
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  static Request request(JsonParser p) throws IOException {
    Request.Builder b = Request.newBuilder();
    for (String name = start(p); name != null; name = p.nextFieldName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "phase" -> b.setPhase(text(t, p));
        case "scopes" -> strings(t, p, b::clearScopes, b::addScopes);
        case "method" -> b.setMethod(text(t, p));
        case "path" -> b.setPath(text(t, p));
        case "headers" -> map(t, p, b::clearHeaders, b::putHeaders);
        case "query" -> map(t, p, b::clearQuery, b::putQuery);
        case "body" -> {
          b.clearBody();
          if (t != JsonToken.VALUE_NULL) {
            b.setBody(ProtoJson.value(t, p));
          }
        }
        case "mcp" -> {
          b.clearMcp();
          if (t != JsonToken.VALUE_NULL) {
            Unusual.unless(t == JsonToken.START_OBJECT);
            b.setMcp(mcp(p));
          }
        }
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static Mcp mcp(JsonParser p) throws IOException {
    Mcp.Builder b = Mcp.newBuilder();
    for (String name = start(p); name != null; name = p.nextFieldName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "method" -> b.setMethod(text(t, p));
        case "tool" -> b.setTool(text(t, p));
        case "arguments" -> {
          b.clearArguments();
          if (t != JsonToken.VALUE_NULL) {
            Unusual.unless(t == JsonToken.START_OBJECT);
            b.setArguments(ProtoJson.value(t, p).getStructValue());
          }
        }
        case "uri" -> b.setUri(text(t, p));
        case "prompt" -> b.setPrompt(text(t, p));
        case "protocol_version" -> b.setProtocolVersion(text(t, p));
        case "client" -> {
          b.clearClient();
          if (t != JsonToken.VALUE_NULL) {
            Unusual.unless(t == JsonToken.START_OBJECT);
            b.setClient(client(p));
          }
        }
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static McpClient client(JsonParser p) throws IOException {
    McpClient.Builder b = McpClient.newBuilder();
    for (String name = start(p); name != null; name = p.nextFieldName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "name" -> b.setName(text(t, p));
        case "version" -> b.setVersion(text(t, p));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  static Context context(JsonParser p) throws IOException {
    Context.Builder b = Context.newBuilder();
    for (String name = start(p); name != null; name = p.nextFieldName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "trace_id" -> b.setTraceId(text(t, p));
        case "client_ip" -> b.setClientIp(text(t, p));
        case "approval_id" -> b.setApprovalId(text(t, p));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  /** The first key of the object the parser is at. */
  private static String start(JsonParser p) throws IOException {
    Unusual.unless(p.currentToken() == JsonToken.START_OBJECT);
    return p.nextFieldName();
  }

  /** A string field's value; a null is the default, as unset. */
  private static String text(JsonToken t, JsonParser p) throws IOException {
    return t == JsonToken.VALUE_NULL ? "" : Unusual.text(t, p);
  }

  /** A 64-bit integer field (a number, or a string as proto3 JSON writes it); a null is 0. */
  private static long int64(JsonToken t, JsonParser p) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return 0;
    }
    return t == JsonToken.VALUE_STRING ? Long.parseLong(p.getText()) : Unusual.int64(t, p);
  }

  /** A repeated string field: replaced, not appended to, when the key comes again. */
  private static void strings(JsonToken t, JsonParser p, Runnable clear, Consumer<String> add) throws IOException {
    clear.run();
    if (t == JsonToken.VALUE_NULL) {
      return;
    }
    Unusual.unless(t == JsonToken.START_ARRAY);
    for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
      add.accept(Unusual.text(item, p));
    }
  }

  /** A map of strings: replaced when the key comes again; a key given twice inside it, its last value. */
  private static void map(JsonToken t, JsonParser p, Runnable clear, BiConsumer<String, String> put) throws IOException {
    clear.run();
    if (t == JsonToken.VALUE_NULL) {
      return;
    }
    Unusual.unless(t == JsonToken.START_OBJECT);
    for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
      put.accept(key, Unusual.text(p.nextToken(), p));
    }
  }
}
