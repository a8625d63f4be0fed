package run.caracal.cli.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import run.caracal.cli.policy.ExportLineScan.Top;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.DecisionRecord.AppRef;
import run.caracal.decision.DecisionRecord.Call;
import run.caracal.decision.DecisionRecord.SessionRef;
import run.caracal.decision.DecisionRecordJson;
import run.caracal.decision.InputMasker;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.PolicySetRef;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;

/** An export line gives the same record whether it holds the explanation as text (version 1) or as an object (version 2). */
class RecordedEventTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-12-05T10:00:00.123456789Z");

  private static DecisionRecord record() {
    DecisionInput input = new DecisionInput(Principal.newBuilder().setId("app_1").setZone("z").putAttributes("team", "caf\u00e9").build(),
        null, null, Resource.newBuilder().setId("resource://api").addScopes("read").build(),
        Request.newBuilder().setPhase("request").addScopes("read").setMethod("GET").setPath("/items")
            .putHeaders("authorization", "Bearer secret").build(), null, NOW);
    return new DecisionRecord(1, "req_1", "", Phase.REQUEST, NOW, "z", Optional.of(new AppRef("app_1", "agent", "z")),
        Optional.of(new SessionRef("ses_1", "ses_1", 0, false, List.of())), "resource://api", Call.http("GET", "/items"),
        Optional.of(new InputMasker(InputMasker.DEFAULT_PATHS, new byte[32]).record(input)),
        Optional.of(Decision.noActivePolicySet(input)), Optional.empty(), Optional.empty());
  }

  private static ObjectNode line(String explanationText, boolean asObject) throws Exception {
    ObjectNode e = JSON.createObjectNode().put("kind", "event").put("chain_id", "c").put("seq", 1)
        .put("event_type", "gateway.decision").put("occurred_at", NOW.toString()).put("zone", "z");
    if (asObject) {
      e.set("explanation", JSON.readTree(explanationText));
    } else {
      e.put("explanation", explanationText);
    }
    return e.put("prev_hash", "0").put("hash", "1");
  }

  private static DecisionRecord scanned(byte[] line) {
    Top top = ExportLineScan.scan(line);
    assertNotNull(top);
    return RecordedEvent.ofExportLine(line, top.explanationFrom(), top.explanationTo()).record();
  }

  @Test
  void record_explanationAsTextOrAsObject_equalRecords() throws Exception {
    DecisionRecord r = record();
    String text = DecisionRecordJson.write(r);
    ObjectNode v1 = line(text, false);
    ObjectNode v2 = line(text, true);
    byte[] v1Line = v1.toString().getBytes(StandardCharsets.UTF_8);
    byte[] v2Line = v2.toString().getBytes(StandardCharsets.UTF_8);

    List<DecisionRecord> trees = List.of(RecordedEvent.of(v1).record(), RecordedEvent.of(v2).record());
    List<DecisionRecord> streamed = List.of(RecordedEvent.ofExportLine(v1Line).record(), RecordedEvent.ofExportLine(v2Line).record(),
        scanned(v1Line), scanned(v2Line));

    for (DecisionRecord each : trees) {
      assertEquals(r, each);
    }
    for (DecisionRecord each : streamed) {
      assertEquals(verdictOnly(r), each, "a streamed record keeps its decision's verdict and phase, the rest unread");
    }
    for (DecisionRecord each : concat(trees, streamed)) {
      assertEquals(r.input().get().json(), each.input().get().json());
      assertEquals(r.input().get().toDecisionInput(), each.input().get().toDecisionInput());
    }
  }

  private static List<DecisionRecord> concat(List<DecisionRecord> a, List<DecisionRecord> b) {
    List<DecisionRecord> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** {@code r} with its decision down to what a replay compares. */
  private static DecisionRecord verdictOnly(DecisionRecord r) {
    Decision d = r.decision().orElseThrow();
    Decision kept = new Decision(d.verdict(), d.phase(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
        new PolicySetRef("", 0, ""), 0);
    return new DecisionRecord(r.version(), r.requestId(), r.traceId(), r.phase(), r.time(), r.zone(), r.app(), r.session(), r.resource(),
        r.call(), r.input(), Optional.of(kept), r.refusal(), r.shadow());
  }

  @Test
  void record_objectNotInTheWritersForm_readByTheTree() throws Exception {
    String text = DecisionRecordJson.write(record()).replace("\"traceId\":\"\"", "\"traceId\":null");
    byte[] line = line(text, true).toString().getBytes(StandardCharsets.UTF_8);

    assertEquals(record(), scanned(line));
  }
}
