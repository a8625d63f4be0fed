package run.caracal.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import run.caracal.decision.DecisionRecord.AppRef;
import run.caracal.decision.DecisionRecord.Call;
import run.caracal.decision.DecisionRecord.Hop;
import run.caracal.decision.DecisionRecord.Refusal;
import run.caracal.decision.DecisionRecord.SessionRef;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.EvaluationError;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.PolicySetRef;
import run.caracal.engine.decision.ReasonCode;
import run.caracal.engine.decision.RuleEvaluation;
import run.caracal.engine.decision.RuleRef;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.policy.input.Context;
import run.caracal.policy.input.Delegation;
import run.caracal.policy.input.DelegationHop;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;
import run.caracal.policy.input.Session;
import run.caracal.policy.model.Effect;
import run.caracal.policy.model.Verdict;

/** The streaming reader gives the tree reader's record for what the writer writes, and leaves it everything else. */
class StreamingRecordsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00.123456789Z");
  private static final InputMasker MASKER = new InputMasker(InputMasker.DEFAULT_PATHS, new byte[32]);

  private static List<DecisionRecord> records() throws Exception {
    Value.Builder body = Value.newBuilder();
    JsonFormat.parser().merge("{\"amount\": 12.5, \"n\": 3, \"tags\": [\"a\", true, null], \"card\": {\"number\": \"4111\"}}", body);
    DecisionInput full = new DecisionInput(
        Principal.newBuilder().setId("app_1").setName("agent").setZone("z").addLabels("ops").putAttributes("team", "billing").build(),
        Session.newBuilder().setId("ses_2").setRootId("ses_1").setDepth(2).setExpiresAt(com.google.protobuf.Timestamp.newBuilder()
            .setSeconds(1_764_000_000L).setNanos(697_000_000)).build(),
        Delegation.newBuilder().setDepth(1).addChain(DelegationHop.newBuilder().setApp("app_0").setSession("ses_1"))
            .addParentScopes("*").build(),
        Resource.newBuilder().setId("resource://api").addScopes("pay").putAttributes("tier", "gold").build(),
        Request.newBuilder().setPhase("request").addScopes("pay").setMethod("POST").setPath("/charges")
            .putHeaders("authorization", "Bearer x").putHeaders("accept", "application/json").putQuery("q", "1").setBody(body)
            .build(),
        Context.newBuilder().setTraceId("t").setClientIp("10.0.0.1").build(), NOW, ScopeMatch.ANY);
    DecisionInput bare = new DecisionInput(null, null, null, null, Request.newBuilder().setPhase("issue").build(), null, NOW);
    Decision allowed = new Decision(Verdict.ALLOW, Phase.REQUEST, List.of("pay"), List.of("pay"),
        List.of(new RuleRef("p", 3, "pays", Effect.ALLOW, "pay")), List.of(), List.of(ReasonCode.ALLOWED_BY_RULE),
        List.of(new RuleEvaluation("p", 3, "pays", Effect.ALLOW, RuleEvaluation.Outcome.TRUE, Optional.empty()),
            new RuleEvaluation("p", 3, "blocks", Effect.DENY, RuleEvaluation.Outcome.ERROR, Optional.of("no such key"))),
        List.of(new EvaluationError("p", 3, "blocks", "policy.yaml:9:11", "no such key")), new PolicySetRef("prod", 7, "ab12"),
        1_234);
    List<DecisionRecord> out = new ArrayList<>();
    out.add(new DecisionRecord(1, "req_1", "trace_1", Phase.REQUEST, NOW, "zone_1",
        Optional.of(new AppRef("app_1", "agent", "zone_1")),
        Optional.of(new SessionRef("ses_2", "ses_1", 1, true, List.of(new Hop("app_0", "ses_1")))), "resource://api",
        Call.http("POST", "/charges"), Optional.of(MASKER.record(full)), Optional.of(allowed), Optional.empty(),
        Optional.of(Decision.noActivePolicySet(full))));
    out.add(new DecisionRecord(1, "req_2", "", Phase.ISSUE, NOW, "", Optional.empty(), Optional.empty(), "",
        Call.grant("client_credentials"), Optional.of(MASKER.record(bare)), Optional.of(Decision.noActivePolicySet(bare)),
        Optional.of(Refusal.of(Reason.NO_ACTIVE_POLICY_SET, 403)), Optional.empty()));
    out.add(new DecisionRecord(1, "req_3", "", Phase.ISSUE, NOW, "", Optional.empty(), Optional.empty(), "resource://api",
        Call.grant("client_credentials"), Optional.empty(), Optional.empty(), Optional.of(Refusal.of(Reason.SCOPE_MISSING, 400)),
        Optional.empty()));
    return out;
  }

  /** The tree reader's record: the explanation given as an object. */
  private static DecisionRecord byTree(String explanation) throws Exception {
    ObjectNode e = MAPPER.createObjectNode().put("type", "gateway.decision");
    e.set("explanation", MAPPER.readTree(explanation));
    return DecisionRecordJson.read(e);
  }

  @Test
  void read_whatTheWriterWrote_isTheTreeReadersRecord() throws Exception {
    for (DecisionRecord r : records()) {
      String text = DecisionRecordJson.write(r);
      DecisionRecord streamed = StreamingRecords.read(text).orElseThrow(() -> new AssertionError("not streamed: " + text));
      DecisionRecord tree = byTree(text);

      assertEquals(tree, streamed, text);
      assertEquals(r, streamed, text);
      if (tree.input().isPresent()) {
        RecordedInput in = streamed.input().get();
        assertEquals(tree.input().get().toDecisionInput(), in.toDecisionInput(), "replays the same input");
        assertEquals(tree.input().get().json(), in.json(), "keeps the input's text");
        assertEquals(tree.input().get().masked(), in.masked());
      }
    }
  }

  @Test
  void read_anythingButTheWritersForm_isLeftToTheTreeReader() throws Exception {
    String written = DecisionRecordJson.write(records().get(0));
    List<String> unusual = List.of(
        written.replace("\"record\":1", "\"record\":2"),
        written.replace("{\"record\":1,", "{"),
        written.replace("\"traceId\":\"trace_1\"", "\"traceId\":null"),
        written.replace("\"depth\":1", "\"depth\":\"1\""),
        written.replace("\"errors\":[{", "\"errors\":[\"p/blocks: no such key\",{"),
        written.replace("\"outcome\":\"true\"", "\"outcome\":\"maybe\""),
        written.replace("\"labels\":[\"ops\"]", "\"labels\":\"ops\""),
        written + " {}",
        "[]");
    for (String text : unusual) {
      assertTrue(text.equals("[]") || !text.equals(written), "the replacement applied: " + text);
      assertEquals(Optional.empty(), StreamingRecords.read(text), text);
    }
  }

  @Test
  void read_aKeyGivenTwice_countsOnceWithItsLastValueAsInTheTree() throws Exception {
    String written = DecisionRecordJson.write(records().get(0));
    List<String> twice = List.of(
        written.replace("\"traceId\":\"trace_1\"", "\"traceId\":\"trace_1\",\"traceId\":\"x\""),
        written.replace("\"labels\":[\"ops\"]", "\"labels\":[\"ops\"],\"labels\":[\"dev\",\"qa\"]"),
        written.replace("\"labels\":[\"ops\"]", "\"labels\":[\"ops\"],\"labels\":null"),
        written.replace("\"attributes\":{\"team\":\"billing\"}", "\"attributes\":{\"team\":\"billing\",\"team\":\"ops\"}"),
        written.replace("\"rules\":[", "\"rules\":[],\"rules\":["),
        written.replace("\"reasons\":[", "\"reasons\":[\"no_active_policy_set\"],\"reasons\":["),
        written.replace("\"chain\":[", "\"chain\":[{\"app\":\"a\",\"session\":\"s\"}],\"chain\":["));
    for (String text : twice) {
      assertTrue(!text.equals(written), "the replacement applied: " + text);
      assertEquals(byTree(text), StreamingRecords.read(text).orElseThrow(() -> new AssertionError("not streamed: " + text)),
          text);
    }
  }

  @Test
  void read_fromAnOffsetInABuffer_keepsTheInputsText() throws Exception {
    String text = DecisionRecordJson.write(records().get(0));
    char[] buffer = ("xx" + text + "yy").toCharArray();

    DecisionRecord streamed = StreamingRecords.read(buffer, 2, text.length(), DecisionRecordJson.Detail.FULL).orElseThrow();

    assertEquals(byTree(text), streamed);
    assertEquals(byTree(text).input().get().json(), streamed.input().get().json());
  }

  @Test
  void read_verdictOnly_keepsTheVerdictAndPhase_andEverythingElseOfTheRecord() throws Exception {
    for (DecisionRecord r : records()) {
      char[] text = DecisionRecordJson.write(r).toCharArray();

      DecisionRecord full = StreamingRecords.read(text, 0, text.length, DecisionRecordJson.Detail.FULL).orElseThrow();
      DecisionRecord light = StreamingRecords.read(text, 0, text.length, DecisionRecordJson.Detail.VERDICT).orElseThrow();

      assertEquals(full.decision().map(Decision::verdict), light.decision().map(Decision::verdict));
      assertEquals(full.decision().map(Decision::phase), light.decision().map(Decision::phase));
      light.decision().ifPresent(d -> assertTrue(d.evaluated().isEmpty() && d.rules().isEmpty(), "the rest is not read"));
      assertEquals(full.shadow(), light.shadow(), "a shadow decision is read whole (shadow reports name its rules)");
      assertEquals(full.input(), light.input());
      assertEquals(full.refusal(), light.refusal());
      assertEquals(full.requestId(), light.requestId());
    }
  }

  @Test
  void read_explanationAsText_streamsAndEqualsTheTreeReader() throws Exception {
    for (DecisionRecord r : records()) {
      String text = DecisionRecordJson.write(r);
      ObjectNode e = MAPPER.createObjectNode().put("event_type", "authorization").put("explanation", text);

      assertEquals(byTree(text), DecisionRecordJson.read(e));
    }
  }

  /** What an export line holding the explanation as an object gives, read from a parser over the line's bytes from {@code from}. */
  private static Optional<DecisionRecord> byBytes(byte[] line, int from, int to) throws Exception {
    try (JsonParser p = StreamingRecords.JSON.createParser(line, from, to - from)) {
      p.nextToken();
      Optional<DecisionRecord> r = DecisionRecordJson.readVersion1(p, line, from);
      assertTrue(r.isEmpty() || p.currentToken() == JsonToken.END_OBJECT && p.nextToken() == null, "left at the object's end");
      return r;
    }
  }

  @Test
  void readVersion1_explanationAsAnObjectInALine_equalsTheTextsRecord() throws Exception {
    for (DecisionRecord r : records()) {
      String text = DecisionRecordJson.write(r);
      String head = "{\"kind\":\"event\",\"note\":\"caf\u00e9\",\"explanation\":";
      byte[] line = (head + text + ",\"hash\":\"x\"}").getBytes(StandardCharsets.UTF_8);
      int from = head.getBytes(StandardCharsets.UTF_8).length;
      int to = from + text.getBytes(StandardCharsets.UTF_8).length;

      DecisionRecord streamed = byBytes(line, from, to).orElseThrow(() -> new AssertionError("not streamed: " + text));

      assertEquals(StreamingRecords.read(text).orElseThrow(), streamed, text);
      assertEquals(byTree(text), streamed, text);
      if (streamed.input().isPresent()) {
        assertEquals(byTree(text).input().get().json(), streamed.input().get().json(), "keeps the input's text");
      }
    }
  }

  @Test
  void readVersion1_objectNotInTheWritersForm_emptyForTheTreeReader() throws Exception {
    String text = DecisionRecordJson.write(records().get(0)).replace("\"record\":1", "\"record\":2");
    byte[] line = text.getBytes(StandardCharsets.UTF_8);

    assertEquals(Optional.empty(), byBytes(line, 0, line.length));
  }
}
