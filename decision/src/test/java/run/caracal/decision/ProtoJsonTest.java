package run.caracal.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.DelegationHop;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Session;

/** The direct JSON form is protobuf's own (records written either way read the same), both ways. */
class ProtoJsonTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static List<Message> messages() throws Exception {
    Value.Builder body = Value.newBuilder();
    JsonFormat.parser().merge("{\"amount\": 12.5, \"n\": 3, \"tags\": [\"a\", true, null], \"card\": {\"number\": \"4111\"}}", body);
    return List.of(
        Principal.newBuilder().setId("app_1").setName("agent").setZone("z").addLabels("ops").putAttributes("team", "billing").build(),
        Session.newBuilder().setId("ses_2").setRootId("ses_1").setDepth(2).addLabels("x")
            .setExpiresAt(Timestamp.newBuilder().setSeconds(1_764_000_000L).setNanos(697_000_000)).build(),
        Delegation.newBuilder().setDepth(1).addChain(DelegationHop.newBuilder().setApp("app_0").setSession("ses_1"))
            .addParentScopes("*").build(),
        Request.newBuilder().setPhase("request").addScopes("pay").setMethod("POST").setPath("/charges")
            .putHeaders("accept", "application/json").putQuery("q", "1").setBody(body).build(),
        Request.getDefaultInstance());
  }

  @Test
  void toTree_isWhatJsonFormatPrints() throws Exception {
    for (Message m : messages()) {
      assertEquals(MAPPER.readTree(JsonFormat.printer().preservingProtoFieldNames().print(m)), ProtoJson.toTree(m), m.toString());
    }
  }

  @Test
  void merge_readsWhatJsonFormatPrints_andWhatToTreeWrites() throws Exception {
    for (Message m : messages()) {
      Message.Builder fromJsonFormat = m.newBuilderForType();
      ProtoJson.merge(MAPPER.readTree(JsonFormat.printer().preservingProtoFieldNames().print(m)), fromJsonFormat);
      Message.Builder fromTree = m.newBuilderForType();
      ProtoJson.merge(ProtoJson.toTree(m), fromTree);
      assertEquals(m, fromJsonFormat.build());
      assertEquals(m, fromTree.build());
    }
  }

  @Test
  void mergeStreaming_readsWhatJsonFormatPrints_asTheTreeReaderDoes() throws Exception {
    for (Message m : messages()) {
      String json = JsonFormat.printer().preservingProtoFieldNames().print(m);
      Message.Builder streamed = m.newBuilderForType();
      try (JsonParser p = StreamingRecords.JSON.createParser(json)) {
        p.nextToken();
        ProtoJson.merge(p, streamed);
      }
      assertEquals(m, streamed.build());
    }
  }

  @Test
  void mergeStreaming_aValueOfAnotherType_isLeftToTheTreeReader() throws Exception {
    for (String json : List.of("{\"id\": 7}", "{\"labels\": \"ops\"}", "{\"labels\": [null]}", "{\"attributes\": []}")) {
      try (JsonParser p = StreamingRecords.JSON.createParser(json)) {
        p.nextToken();
        assertThrows(Unusual.class, () -> ProtoJson.merge(p, Principal.newBuilder()), json);
      }
    }
  }
}
