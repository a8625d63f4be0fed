package run.caracal.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.DelegationHop;
import run.caracal.policy.input.Mcp;
import run.caracal.policy.input.McpClient;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.input.Session;

/** The typed readers read every field of the input schema as the descriptor-driven readers do. */
class StreamingInputTest {
  private interface Reader {
    Message read(JsonParser p) throws IOException;
  }

  private static final Value BODY = Value.newBuilder().setStructValue(Struct.newBuilder()
      .putFields("n", Value.newBuilder().setNumberValue(12.5).build())
      .putFields("l", Value.newBuilder().setListValue(ListValue.newBuilder().addValues(Value.newBuilder().setBoolValue(true))).build()))
      .build();

  /** Every field of every input message set, nested ones too. */
  private static List<Message> full() {
    return List.of(
        Principal.newBuilder().setId("app_1").setName("agent").setZone("z").addLabels("ops").putAttributes("team", "billing").build(),
        Session.newBuilder().setId("ses_2").setRootId("ses_1").setDepth(2).addLabels("l")
            .setExpiresAt(Timestamp.newBuilder().setSeconds(1_764_000_000L).setNanos(697_000_000)).build(),
        Delegation.newBuilder().setDepth(1).addChain(DelegationHop.newBuilder().setApp("app_0").setSession("ses_1"))
            .addParentScopes("*").build(),
        Resource.newBuilder().setId("resource://api").addScopes("pay").addLabels("pci").putAttributes("tier", "gold").build(),
        Request.newBuilder().setPhase("request").addScopes("pay").setMethod("POST").setPath("/charges")
            .putHeaders("accept", "application/json").putQuery("q", "1").setBody(BODY)
            .setMcp(Mcp.newBuilder().setMethod("tools/call").setTool("refund").setArguments(BODY.getStructValue()).setUri("u")
                .setPrompt("p").setProtocolVersion("2025-06-18").setClient(McpClient.newBuilder().setName("c").setVersion("1")))
            .build(),
        Context.newBuilder().setTraceId("t").setClientIp("10.0.0.1").setApprovalId("apr_1").build());
  }

  private static Reader reader(Message m) {
    return switch (m.getDescriptorForType().getName()) {
      case "Principal" -> StreamingInput::principal;
      case "Session" -> StreamingInput::session;
      case "Delegation" -> StreamingInput::delegation;
      case "Resource" -> StreamingInput::resource;
      case "Request" -> StreamingInput::request;
      case "Context" -> StreamingInput::context;
      default -> throw new AssertionError(m.getDescriptorForType().getName());
    };
  }

  private static Message read(Reader reader, String json) throws IOException {
    try (JsonParser p = StreamingRecords.JSON.createParser(json)) {
      p.nextToken();
      return reader.read(p);
    }
  }

  private static void assertEveryFieldSet(Message m) {
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      boolean set = f.isRepeated() ? m.getRepeatedFieldCount(f) > 0 : m.hasField(f);
      assertTrue(set, "the test sets " + f.getFullName() + ": add it to the message here and to StreamingInput");
      if (!f.isRepeated() && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && f.getMessageType().getFile().getPackage().equals("caracal.v1")) {
        assertEveryFieldSet((Message) m.getField(f));
      }
    }
  }

  @Test
  void read_everyFieldOfTheSchema_asTheDescriptorReadersRead() throws Exception {
    for (Message m : full()) {
      assertEveryFieldSet(m);
      String json = ProtoJson.toTree(m).toString();
      Message.Builder tree = m.newBuilderForType();
      ProtoJson.merge(ProtoJson.toTree(m), tree);

      assertEquals(m, read(reader(m), json), json);
      assertEquals(m, tree.build(), "the tree reader: " + json);
    }
  }

  @Test
  void read_keysTwiceNullsAndUnknownKeys_asATree() throws Exception {
    Message m = read(StreamingInput::principal,
        "{\"id\":\"a\",\"id\":\"b\",\"labels\":[\"x\"],\"labels\":[\"y\",\"z\"],\"name\":null,\"attributes\":{\"k\":\"1\",\"k\":\"2\"},"
            + "\"newer\":{\"x\":[1]}}");

    assertEquals(Principal.newBuilder().setId("b").addLabels("y").addLabels("z").putAttributes("k", "2").build(), m);
  }

  @Test
  void read_valueOfAnotherType_unusual() {
    for (String json : List.of("{\"id\":1}", "{\"labels\":\"x\"}", "{\"labels\":[null]}", "{\"attributes\":{\"k\":1}}")) {
      assertThrows(Unusual.class, () -> read(StreamingInput::principal, json), json);
    }
    assertThrows(NumberFormatException.class, () -> read(StreamingInput::session, "{\"depth\":\"x\"}"));
  }
}
