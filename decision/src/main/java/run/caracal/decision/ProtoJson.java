package run.caracal.decision;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.ListValue;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.io.IOException;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proto3 JSON form of the decision input's messages, straight to and from Jackson trees:
 * field names as declared (`root_id`, `parent_scopes`), default values left out, 64-bit integers
 * as strings, `Timestamp` as an RFC 3339 time and `Value`/`Struct` as plain JSON, the same as
 * protobuf's own `JsonFormat` writes (and reads) with `preservingProtoFieldNames`, without its
 * round trip through JSON text. Driven by the message descriptors, so a field added to the
 * input schema needs nothing here. {@link #merge(JsonParser, Message.Builder)} reads the same form
 * straight from a parser for replay, and only the form written here: anything else throws
 * {@link Unusual} so the caller can read it the tree way. Thread-safe (one cache of field names).
 */
final class ProtoJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  /** Fields by JSON name, per message type: {@code findFieldByName} builds a full name per call. */
  private static final Map<Descriptor, Map<String, FieldDescriptor>> FIELDS = new ConcurrentHashMap<>();

  private ProtoJson() {}

  /** A message as a JSON object (defaults left out). */
  static ObjectNode toTree(Message message) {
    ObjectNode out = F.objectNode();
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.isMapField()) {
        ObjectNode map = out.putObject(f.getName());
        for (Object entry : (List<?>) e.getValue()) {
          MapEntry<?, ?> me = (MapEntry<?, ?>) entry;
          map.set(String.valueOf(me.getKey()), value(f.getMessageType().findFieldByName("value"), me.getValue()));
        }
      } else if (f.isRepeated()) {
        ArrayNode array = out.putArray(f.getName());
        ((List<?>) e.getValue()).forEach(v -> array.add(value(f, v)));
      } else {
        out.set(f.getName(), value(f, e.getValue()));
      }
    }
    return out;
  }

  private static JsonNode value(FieldDescriptor f, Object v) {
    return switch (f.getJavaType()) {
      case STRING -> F.textNode((String) v);
      case BOOLEAN -> F.booleanNode((Boolean) v);
      case INT -> F.numberNode((Integer) v);
      case LONG -> F.textNode(String.valueOf(v));
      case FLOAT -> F.numberNode((Float) v);
      case DOUBLE -> F.numberNode((Double) v);
      case ENUM -> F.textNode(v.toString());
      case BYTE_STRING -> F.textNode(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
      case MESSAGE -> message((Message) v);
    };
  }

  private static JsonNode message(Message m) {
    if (m instanceof Timestamp t) {
      return F.textNode(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString());
    }
    if (m instanceof Value v) {
      return json(v);
    }
    if (m instanceof Struct s) {
      ObjectNode o = F.objectNode();
      s.getFieldsMap().forEach((k, v) -> o.set(k, json(v)));
      return o;
    }
    return toTree(m);
  }

  private static JsonNode json(Value v) {
    return switch (v.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> F.nullNode();
      case NUMBER_VALUE -> F.numberNode(v.getNumberValue());
      case STRING_VALUE -> F.textNode(v.getStringValue());
      case BOOL_VALUE -> F.booleanNode(v.getBoolValue());
      case STRUCT_VALUE -> message(v.getStructValue());
      case LIST_VALUE -> {
        ArrayNode a = F.arrayNode();
        v.getListValue().getValuesList().forEach(x -> a.add(json(x)));
        yield a;
      }
    };
  }

  /**
   * Fills a builder from a JSON object; unknown fields are ignored (a newer writer's).
   *
   * @throws IllegalArgumentException when a value has the wrong type
   */
  static void merge(JsonNode tree, Message.Builder builder) {
    Descriptor type = builder.getDescriptorForType();
    tree.fields().forEachRemaining(e -> {
      FieldDescriptor f = type.findFieldByName(e.getKey());
      if (f == null || e.getValue().isNull()) {
        return;
      }
      JsonNode v = e.getValue();
      if (f.isMapField()) {
        Descriptor entryType = f.getMessageType();
        FieldDescriptor valueField = entryType.findFieldByName("value");
        v.fields().forEachRemaining(kv -> {
          Message.Builder entry = builder.newBuilderForField(f);
          entry.setField(entryType.findFieldByName("key"), kv.getKey());
          entry.setField(valueField, parse(valueField, kv.getValue(), entry));
          builder.addRepeatedField(f, entry.build());
        });
      } else if (f.isRepeated()) {
        v.forEach(item -> builder.addRepeatedField(f, parse(f, item, builder)));
      } else {
        builder.setField(f, parse(f, v, builder));
      }
    });
  }

  private static Object parse(FieldDescriptor f, JsonNode v, Message.Builder parent) {
    try {
      return switch (f.getJavaType()) {
        case STRING -> v.asText();
        case BOOLEAN -> v.asBoolean();
        case INT -> v.isNumber() ? v.intValue() : Integer.parseInt(v.asText());
        case LONG -> v.isNumber() ? v.longValue() : Long.parseLong(v.asText());
        case FLOAT -> (float) v.asDouble();
        case DOUBLE -> v.asDouble();
        case ENUM -> f.getEnumType().findValueByName(v.asText());
        case BYTE_STRING -> ByteString.copyFrom(Base64.getDecoder().decode(v.asText()));
        case MESSAGE -> message(f, v, parent);
      };
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException("field `" + f.getName() + "` holds `" + v + "`", e);
    }
  }

  private static Message message(FieldDescriptor f, JsonNode v, Message.Builder parent) {
    String name = f.getMessageType().getFullName();
    if (name.equals(Timestamp.getDescriptor().getFullName())) {
      Instant t = Times.parse(v.asText());
      return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
    if (name.equals(Value.getDescriptor().getFullName())) {
      return value(v);
    }
    if (name.equals(Struct.getDescriptor().getFullName())) {
      return value(v).getStructValue(); // written as a plain object; a non-object is the empty struct
    }
    Message.Builder b = parent.newBuilderForField(f);
    merge(v, b);
    return b.build();
  }

  /** Any JSON value as a protobuf {@link Value}. */
  static Value value(JsonNode v) {
    if (v.isObject()) {
      Struct.Builder s = Struct.newBuilder();
      v.fields().forEachRemaining(e -> s.putFields(e.getKey(), value(e.getValue())));
      return Value.newBuilder().setStructValue(s).build();
    }
    if (v.isArray()) {
      ListValue.Builder l = ListValue.newBuilder();
      v.forEach(x -> l.addValues(value(x)));
      return Value.newBuilder().setListValue(l).build();
    }
    if (v.isNumber()) {
      return Value.newBuilder().setNumberValue(v.doubleValue()).build();
    }
    if (v.isBoolean()) {
      return Value.newBuilder().setBoolValue(v.booleanValue()).build();
    }
    if (v.isNull() || v.isMissingNode()) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    }
    return Value.newBuilder().setStringValue(v.asText()).build();
  }

  /**
   * Fills a builder from the object the parser is at (its START_OBJECT read), as
   * {@link #merge(JsonNode, Message.Builder)} does from a tree, and leaves the parser at its
   * END_OBJECT.
   *
   * @throws Unusual when a value is not of the JSON type this class writes for its field (the
   *     tree reader then decides what it means)
   */
  static void merge(JsonParser p, Message.Builder builder) throws IOException {
    Map<String, FieldDescriptor> fields = FIELDS.computeIfAbsent(builder.getDescriptorForType(), ProtoJson::fieldsByName);
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      FieldDescriptor f = fields.get(name);
      JsonToken t = p.nextToken();
      if (f == null) {
        p.skipChildren();
        continue;
      }
      builder.clearField(f); // a key given twice: the tree keeps the last value only
      if (t == JsonToken.VALUE_NULL) {
        continue;
      }
      if (f.isMapField()) {
        Unusual.unless(t == JsonToken.START_OBJECT);
        Descriptor entryType = f.getMessageType();
        FieldDescriptor keyField = entryType.findFieldByName("key");
        FieldDescriptor valueField = entryType.findFieldByName("value");
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
          Message.Builder entry = builder.newBuilderForField(f);
          entry.setField(keyField, key);
          entry.setField(valueField, parse(valueField, p.nextToken(), p, entry));
          builder.addRepeatedField(f, entry.build());
        }
      } else if (f.isRepeated()) {
        Unusual.unless(t == JsonToken.START_ARRAY);
        for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
          builder.addRepeatedField(f, parse(f, item, p, builder));
        }
      } else {
        builder.setField(f, parse(f, t, p, builder));
      }
    }
    Unusual.unless(p.currentToken() == JsonToken.END_OBJECT);
  }

  private static Map<String, FieldDescriptor> fieldsByName(Descriptor type) {
    Map<String, FieldDescriptor> out = new HashMap<>();
    type.getFields().forEach(f -> out.put(f.getName(), f));
    return Map.copyOf(out);
  }

  private static Object parse(FieldDescriptor f, JsonToken t, JsonParser p, Message.Builder parent) throws IOException {
    return switch (f.getJavaType()) {
      case STRING -> Unusual.text(t, p);
      case BOOLEAN -> Unusual.bool(t);
      case INT -> t == JsonToken.VALUE_STRING ? Integer.parseInt(p.getText()) : Unusual.int32(t, p);
      case LONG -> t == JsonToken.VALUE_STRING ? Long.parseLong(p.getText()) : Unusual.int64(t, p);
      case FLOAT -> (float) number(t, p);
      case DOUBLE -> number(t, p);
      case ENUM -> f.getEnumType().findValueByName(Unusual.text(t, p));
      case BYTE_STRING -> ByteString.copyFrom(Base64.getDecoder().decode(Unusual.text(t, p)));
      case MESSAGE -> message(f, t, p, parent);
    };
  }

  private static double number(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT);
    return p.getDoubleValue();
  }

  private static Message message(FieldDescriptor f, JsonToken t, JsonParser p, Message.Builder parent) throws IOException {
    String name = f.getMessageType().getFullName();
    if (name.equals(Timestamp.getDescriptor().getFullName())) {
      Instant at = Times.parse(Unusual.text(t, p));
      return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }
    if (name.equals(Value.getDescriptor().getFullName())) {
      return value(t, p);
    }
    Unusual.unless(t == JsonToken.START_OBJECT);
    if (name.equals(Struct.getDescriptor().getFullName())) {
      return value(t, p).getStructValue(); // written as a plain object
    }
    Message.Builder b = parent.newBuilderForField(f);
    merge(p, b);
    return b.build();
  }

  /** The JSON value the parser is at (its first token {@code t} read) as a protobuf {@link Value}. */
  static Value value(JsonToken t, JsonParser p) throws IOException {
    return switch (t) {
      case START_OBJECT -> {
        Struct.Builder s = Struct.newBuilder();
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
          s.putFields(key, value(p.nextToken(), p));
        }
        yield Value.newBuilder().setStructValue(s).build();
      }
      case START_ARRAY -> {
        ListValue.Builder l = ListValue.newBuilder();
        for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
          l.addValues(value(item, p));
        }
        yield Value.newBuilder().setListValue(l).build();
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> Value.newBuilder().setNumberValue(p.getDoubleValue()).build();
      case VALUE_TRUE, VALUE_FALSE -> Value.newBuilder().setBoolValue(t == JsonToken.VALUE_TRUE).build();
      case VALUE_NULL -> Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
      case VALUE_STRING -> Value.newBuilder().setStringValue(p.getText()).build();
      default -> throw Unusual.INSTANCE;
    };
  }
}
