package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.cli.CaracalProcess.assertNoStackTrace;
import static run.caracal.cli.CaracalProcess.run;
import static run.caracal.cli.CaracalProcess.runWithInput;
import static run.caracal.cli.PolicyFiles.write;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.cli.CaracalProcess.Result;

/** `caracal policy eval` in a real process: the decision JSON and its errors. */
final class EvalCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WRITE = """
      {"principal": {"name": "agent", "labels": ["writer"]},
       "resource": {"id": "resource://files"},
       "request": {"phase": "request", "scopes": ["files:write"], "method": "PUT"}}
      """;

  @TempDir
  Path dir;

  @BeforeEach
  void policies() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY);
  }

  @Test
  void eval_allowedInput_printsTheDecisionJson() throws Exception {
    write(dir, "in.json", WRITE);

    Result r = run(dir, "policy", "eval", "p", "--set", "prod", "--input", "in.json");

    assertEquals(0, r.exit(), r::toString);
    JsonNode d = JSON.readTree(r.out());
    assertEquals("allow", d.get("decision").asText());
    assertEquals(List.of("files:write"), texts(d.get("scopes").get("requested")));
    assertEquals(List.of("files:write"), texts(d.get("scopes").get("granted")));
    JsonNode rule = d.get("rules").get(0);
    assertEquals(1, d.get("rules").size());
    assertEquals("files-access", rule.get("policy").asText());
    assertEquals(0, rule.get("version").asInt());
    assertEquals("writers", rule.get("rule").asText());
    assertEquals("allow", rule.get("effect").asText());
    assertEquals("files:write", rule.get("scope").asText());
    assertEquals(List.of("allowed_by_rule"), texts(d.get("reasons")));
    JsonNode set = d.get("policySet");
    assertEquals("prod", set.get("name").asText());
    assertEquals(0, set.get("version").asInt());
    assertTrue(set.get("sha256").asText().matches("[0-9a-f]{64}"), set.toString());
    assertEquals(0, d.get("errors").size());
    assertTrue(d.get("evaluationMicros").isIntegralNumber() && d.get("evaluationMicros").asLong() >= 0);
    assertEquals("", r.err());
  }

  @Test
  void eval_deniedInput_printsDenyRulesAndReasons() throws Exception {
    write(dir, "in.json", WRITE.replace("\"phase\": \"request\"", "\"phase\": \"request\"")
        .replace("\"resource\":", "\"delegation\": {\"depth\": 1, \"parent_scopes\": [\"files:write\"]}, \"resource\":"));

    Result r = run(dir, "policy", "eval", "p", "--set", "prod", "--input", "in.json");

    assertEquals(0, r.exit(), "a deny is still a successful evaluation\n" + r);
    JsonNode d = JSON.readTree(r.out());
    assertEquals("deny", d.get("decision").asText());
    assertEquals("no-delegated-writes", d.get("rules").get(0).get("rule").asText());
    assertEquals("deny", d.get("rules").get(0).get("effect").asText());
    assertEquals(List.of("denied_by_rule"), texts(d.get("reasons")));
    assertEquals(0, d.get("scopes").get("granted").size());
  }

  @Test
  void eval_phaseOverrideAndStdin_decidesAtIssue() throws Exception {
    String noMethod = "{\"principal\": {\"labels\": [\"writer\"]}, \"resource\": {\"id\": \"resource://files\"}, "
        + "\"request\": {\"scopes\": [\"files:write\"]}}";

    Result atRequest = runWithInput(dir, noMethod, "policy", "eval", "p", "--set", "prod", "--input", "-");
    Result atIssue = runWithInput(dir, noMethod, "policy", "eval", "p", "--set", "prod", "--input", "-", "--phase", "issue");

    assertEquals(0, atRequest.exit(), atRequest::toString);
    assertEquals("deny", JSON.readTree(atRequest.out()).get("decision").asText());
    assertEquals(0, atIssue.exit(), atIssue::toString);
    JsonNode d = JSON.readTree(atIssue.out());
    assertEquals("allow", d.get("decision").asText());
    assertEquals("issue", d.get("phase").asText());
  }

  @Test
  void eval_conditionError_isListedInErrors() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY.replace("when: delegation.depth > 0",
        "when: principal.attributes['tier'] == 'free'"));
    write(dir, "in.json", WRITE);

    Result r = run(dir, "policy", "eval", "p", "--set", "prod", "--input", "in.json");

    assertEquals(0, r.exit(), r::toString);
    JsonNode d = JSON.readTree(r.out());
    assertEquals("deny", d.get("decision").asText());
    assertEquals(List.of("denied_by_rule", "condition_error"), texts(d.get("reasons")));
    assertEquals(1, d.get("errors").size());
    assertEquals("files-access", d.get("errors").get(0).get("policy").asText(), d.get("errors").toString());
    assertEquals("no-delegated-writes", d.get("errors").get(0).get("rule").asText(), d.get("errors").toString());
    assertTrue(d.get("errors").get(0).get("at").asText().matches(".*files\\.yaml:\\d+:\\d+"), d.get("errors").toString());
  }

  @Test
  void eval_unknownSet_exitsTwo() throws Exception {
    write(dir, "in.json", WRITE);

    Result r = run(dir, "policy", "eval", "p", "--set", "staging", "--input", "in.json");

    assertEquals(2, r.exit(), r::toString);
    assertEquals("caracal: no policy set named `staging`\n", r.err());
    assertEquals("", r.out());
  }

  @Test
  void eval_inputWithUnknownField_exitsTwoNamingIt() throws Exception {
    write(dir, "in.json", "{\"principal\": {\"nmae\": \"x\"}}");

    Result r = run(dir, "policy", "eval", "p", "--set", "prod", "--input", "in.json");

    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().startsWith("caracal: in.json: `principal`: unknown field nmae"), r.err());
    assertNoStackTrace(r);
  }

  @Test
  void eval_inputNotJson_exitsTwo() throws Exception {
    write(dir, "in.json", "principal: yaml-not-json");

    Result r = run(dir, "policy", "eval", "p", "--set", "prod", "--input", "in.json");

    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().startsWith("caracal: in.json: input is not valid json"), r.err());
    assertNoStackTrace(r);
  }

  @Test
  void eval_inputFileMissing_exitsTwoNamingIt() throws Exception {
    Result r = run(dir, "policy", "eval", "p", "--set", "prod", "--input", "absent.json");

    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("absent.json"), r.err());
    assertNoStackTrace(r);
  }

  @Test
  void eval_missingRequiredOption_exitsTwo() throws Exception {
    Result r = run(dir, "policy", "eval", "p", "--input", "in.json");

    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("--set"), r.err());
  }

  @Test
  void eval_badPhase_exitsTwo() throws Exception {
    write(dir, "in.json", WRITE);

    Result r = run(dir, "policy", "eval", "p", "--set", "prod", "--input", "in.json", "--phase", "later");

    assertEquals(2, r.exit(), r::toString);
    assertNoStackTrace(r);
  }

  @Test
  void eval_policiesWithErrors_exitsOneAndPrintsThem() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY.replace("delegation.depth > 0", "delegation.dept > 0"));
    write(dir, "in.json", WRITE);

    Result r = run(dir, "policy", "eval", "p", "--set", "prod", "--input", "in.json");

    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("error cel_unknown_reference undefined field `dept`"), r.err());
    assertEquals("", r.out());
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
