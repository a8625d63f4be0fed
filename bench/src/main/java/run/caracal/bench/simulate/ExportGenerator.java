package run.caracal.bench.simulate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import run.caracal.control.pipeline.memory.SampleSets;
import run.caracal.decision.DecisionRecord.AppRef;
import run.caracal.decision.DecisionRecord.Call;
import run.caracal.decision.DecisionRecord.SessionRef;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.DecisionRecordJson;
import run.caracal.decision.InputMasker;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.Phase;
import run.caracal.ledger.export.ExportFormat;
import run.caracal.ledger.export.ExportedExplanation;
import run.caracal.policy.input.Principal;
import run.caracal.policy.input.Request;
import run.caracal.policy.input.Resource;

/**
 * Writes a synthetic ledger export of N decision records of zone `zone_bench` (alternately STS
 * issues and Gateway calls, decided by the policies in the `production` folder it also writes)
 * and a `candidate` folder with one changed rule, for timing `caracal policy simulate --export`:
 *
 * <pre>java -cp bench/target/benchmarks.jar run.caracal.bench.simulate.ExportGenerator 1000000 /tmp/sim</pre>
 */
public final class ExportGenerator {
  private static final String RULES = """
      - {name: reads, effect: allow, scopes: [read]}
      - {name: writes, effect: allow, scopes: [write], when: "request.method != 'DELETE'"}
      """;

  private ExportGenerator() {}

  public static void main(String[] args) throws IOException {
    int n = Integer.parseInt(args[0]);
    Path dir = Files.createDirectories(Path.of(args[1]));
    Path production = Files.createDirectories(dir.resolve("production"));
    Path candidate = Files.createDirectories(dir.resolve("candidate"));
    Files.writeString(production.resolve("resource.yaml"), SampleSets.RESOURCE);
    Files.writeString(production.resolve("policy.yaml"), SampleSets.policy("production", RULES));
    Files.writeString(candidate.resolve("resource.yaml"), SampleSets.RESOURCE);
    Files.writeString(candidate.resolve("policy.yaml"),
        SampleSets.policy("production", RULES.replace("request.method != 'DELETE'", "request.method == 'PUT'")));
    CompiledPolicySet set = SampleSets.set("production", RULES);
    InputMasker masker = new InputMasker(InputMasker.DEFAULT_PATHS, new byte[32]);
    ObjectMapper json = new ObjectMapper();
    Instant start = Instant.now().minusSeconds(3600);
    String[] methods = {"GET", "POST", "PUT", "DELETE"};
    try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("ledger.ndjson"), StandardCharsets.UTF_8)) {
      out.write("{\"kind\":\"header\",\"format\":\"caracal-ledger-export\",\"version\":" + ExportFormat.VERSION + "}\n");
      for (int i = 0; i < n; i++) {
        Instant at = start.plusMillis(i % 3_000_000);
        boolean gateway = i % 2 == 1;
        Phase phase = gateway ? Phase.REQUEST : Phase.ISSUE;
        String scope = i % 3 == 0 ? "write" : "read";
        Request.Builder req = Request.newBuilder().setPhase(phase.id()).addScopes(scope);
        if (gateway) {
          req.setMethod(methods[i % 4]).setPath("/items/" + i).putHeaders("accept", "application/json");
        }
        DecisionInput input = new DecisionInput(Principal.newBuilder().setId("app_" + (i % 50)).setZone("zone_bench").build(), null,
            null, Resource.newBuilder().setId("resource://api").addScopes("read").addScopes("write").build(), req.build(), null, at);
        String requestId = "req_" + i;
        DecisionRecord record = new DecisionRecord(1, requestId, "", phase, at, "zone_bench",
            Optional.of(new AppRef("app_" + (i % 50), "agent", "zone_bench")),
            Optional.of(new SessionRef("ses_" + i, "ses_" + i, 0, false, List.of())), "resource://api",
            gateway ? Call.http(req.getMethod(), req.getPath()) : Call.grant("client_credentials"), Optional.of(masker.record(input)),
            Optional.of(set.decide(input)), Optional.empty(), Optional.empty());
        ObjectNode e = json.createObjectNode().put("kind", "event").put("chain_id", "c").put("seq", i + 1)
            .put("event_id", UUID.randomUUID().toString()).put("event_type", gateway ? "gateway.decision" : "authorization")
            .put("decision", record.allowed() ? "allow" : "deny").put("occurred_at", at.toString()).put("request_id", requestId)
            .put("zone", "zone_bench").put("app", "app_" + (i % 50)).put("resource", "resource://api");
        String explanation = DecisionRecordJson.write(record);
        if (ExportedExplanation.asObject(explanation)) { // as `caracal audit export` writes it
          e.set("explanation", json.readTree(explanation));
        } else {
          e.put("explanation", explanation);
        }
        out.write(e.toString());
        out.write('\n');
      }
    }
    System.out.println("wrote " + n + " records to " + dir.resolve("ledger.ndjson"));
  }
}
