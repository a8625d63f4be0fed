package run.caracal.cli.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import run.caracal.decision.DecisionRecordJson;

/**
 * Decision events written before records were versioned still explain: a fixture ledger made
 * with the last release before record version 1 (`src/test/resources/legacy-ledger`: the admin
 * API's events of each request and what `caracal explain` printed then), read through today's
 * reader. Lines that came from the live control plane (zone name, session ancestry, the issuing
 * token) are left out; where the old explain said something a record of that time does not
 * support (a policy set for a request refused before the engine), today's says so instead.
 */
class LegacyLedgerExplainTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path FIXTURE = Path.of("src", "test", "resources", "legacy-ledger");
  private static final Set<String> LIVE = Set.of("zone", "session", "delegation", "token");
  private static final Set<String> ENGINE = Set.of("requested", "rules", "policy set", "evaluated");

  static Stream<String> requests() throws Exception {
    try (Stream<Path> files = Files.list(FIXTURE.resolve("events"))) {
      return files.map(p -> p.getFileName().toString().replace(".json", "")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("requests")
  void explain_legacyEvents_sayWhatTheyMeantThen(String requestId) throws Exception {
    JsonNode events = JSON.readTree(FIXTURE.resolve("events").resolve(requestId + ".json").toFile()).path("events");
    for (JsonNode e : events) {
      if (DecisionRecordJson.isDecisionEvent(e)) {
        assertEquals(0, DecisionRecordJson.read(e).version(), "read by the compatibility reader");
      }
    }
    RequestReport report = RequestReport.of(requestId, events);
    Map<String, String> now = fields(new ExplainText(report, id -> Optional.empty(), id -> Optional.empty()).render());
    Map<String, String> then = fields(Files.readAllLines(FIXTURE.resolve("explain").resolve(requestId + ".txt")));
    boolean engineDecided = report.decision().isPresent();
    List<String> differ = new ArrayList<>();
    // a Gateway event names the app by id; its name came from the issuing event, found through `caracal trace`
    if (report.gatewayDecision().isPresent()) {
      assertTrue(then.get("application").startsWith(now.get("application")), now.get("application"));
      then.remove("application");
    }
    then.forEach((name, value) -> {
      if (!LIVE.contains(name) && (engineDecided || !ENGINE.contains(name)) && !value.equals(now.get(name))) {
        differ.add(name + ": then `" + value + "`, now `" + now.get(name) + "`");
      }
    });
    assertEquals(List.of(), differ);
    if (!engineDecided) {
      assertEquals("not evaluated (no policy decision was recorded)", now.get("policy set"));
    }
    assertTrue(now.containsKey("fix"));
  }

  /** `name: value` lines, continuation lines joined to their field. */
  private static Map<String, String> fields(List<String> lines) {
    Map<String, String> out = new LinkedHashMap<>();
    String last = null;
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (!line.startsWith(" ") && colon > 0) {
        last = line.substring(0, colon);
        out.put(last, line.substring(colon + 1).strip());
      } else if (last != null) {
        out.put(last, out.get(last) + " | " + line.strip());
      }
    }
    return out;
  }
}
