package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.cli.CaracalProcess.assertNoStackTrace;
import static run.caracal.cli.CaracalProcess.run;
import static run.caracal.cli.PolicyFiles.write;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.cli.CaracalProcess.Result;

/** `caracal policy lint` in a real process: output formats, exit codes, bad input. */
final class LintCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Two errors and one warning, at known positions. */
  private static final String BROKEN = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: broken}
      spec:
        resources: ["resource://files"]
        colour: blue
        rules:
          - name: typo
            effect: allow
            scopes: [files:read]
            when: |
              principal.name == 'a' &&
                principal.nmae == 'b'
      """;

  @TempDir
  Path dir;

  @Test
  void lint_cleanPolicies_exitsZeroWithSummaryOnStderr() throws Exception {
    write(dir, "policies/files.yaml", PolicyFiles.RESOURCE_AND_POLICY);
    write(dir, "policies/tests.yaml", PolicyFiles.PASSING_TESTS);

    Result r = run(dir, "policy", "lint", "policies");

    assertEquals(0, r.exit(), r::toString);
    assertEquals("", r.out());
    assertEquals("2 file(s), 4 document(s): 0 error(s), 0 warning(s)\n", r.err());
  }

  @Test
  void lint_warningsOnly_exitsZeroAndPrintsThem() throws Exception {
    write(dir, "files.yaml", PolicyFiles.RESOURCE_AND_POLICY);

    Result r = run(dir, "policy", "lint", "files.yaml");

    assertEquals(0, r.exit(), r::toString);
    assertEquals("files.yaml:11:18: warning untested_policy policy `files-access` is in no policy set that a PolicyTest covers\n",
        r.out());
  }

  @Test
  void lint_errors_exitsOneWithOneLinePerDiagnostic() throws Exception {
    write(dir, "policies/broken.yaml", BROKEN);

    Result r = run(dir, "policy", "lint", "policies");

    assertEquals(1, r.exit(), r::toString);
    String file = Path.of("policies", "broken.yaml").toString();
    assertEquals(List.of(
        file + ":3:18: warning untested_policy policy `broken` is in no policy set that a PolicyTest covers",
        file + ":6:3: error unknown_key unknown key `colour` in a Policy spec (expected one of description, resources, rules, variables)",
        file + ":10:16: warning unknown_scope scope `files:read` is not declared by any Resource document",
        file + ":13:21: error cel_unknown_reference undefined field `nmae`"), r.out().lines().toList());
    assertTrue(r.err().contains("2 error(s), 2 warning(s)"), r.err());
  }

  @Test
  void lint_jsonFormat_printsAnArrayOfDiagnostics() throws Exception {
    write(dir, "broken.yaml", BROKEN);

    Result r = run(dir, "policy", "lint", "--format", "json", "broken.yaml");

    assertEquals(1, r.exit(), r::toString);
    JsonNode array = JSON.readTree(r.out());
    assertTrue(array.isArray());
    assertEquals(4, array.size());
    JsonNode cel = array.get(3);
    assertEquals("broken.yaml", cel.get("file").asText());
    assertEquals(13, cel.get("line").asInt());
    assertEquals(21, cel.get("column").asInt());
    assertEquals("error", cel.get("severity").asText());
    assertEquals("cel_unknown_reference", cel.get("code").asText());
    assertEquals("undefined field `nmae`", cel.get("message").asText());
  }

  @Test
  void lint_jsonFormatClean_printsAnEmptyArray() throws Exception {
    write(dir, "files.yaml", PolicyFiles.RESOURCE_AND_POLICY + "---\n" + PolicyFiles.PASSING_TESTS);

    Result r = run(dir, "policy", "lint", "--format=json", "files.yaml");

    assertEquals(0, r.exit(), r::toString);
    assertEquals(0, JSON.readTree(r.out()).size());
  }

  @Test
  void lint_sarifFormat_printsSarif210WithResults() throws Exception {
    write(dir, "broken.yaml", BROKEN);

    Result r = run(dir, "policy", "lint", "--format", "sarif", "broken.yaml");

    assertEquals(1, r.exit(), r::toString);
    JsonNode log = JSON.readTree(r.out());
    assertEquals("2.1.0", log.get("version").asText());
    JsonNode run = log.get("runs").get(0);
    List<String> ruleIds = new ArrayList<>();
    run.get("tool").get("driver").get("rules").forEach(rule -> ruleIds.add(rule.get("id").asText()));
    assertTrue(ruleIds.contains("cel_unknown_reference") && ruleIds.contains("unknown_scope"), ruleIds.toString());
    JsonNode results = run.get("results");
    assertEquals(4, results.size());
    JsonNode cel = results.get(3);
    assertEquals("cel_unknown_reference", cel.get("ruleId").asText());
    assertEquals("cel_unknown_reference", ruleIds.get(cel.get("ruleIndex").asInt()));
    assertEquals("error", cel.get("level").asText());
    assertEquals("undefined field `nmae`", cel.get("message").get("text").asText());
    JsonNode location = cel.get("locations").get(0).get("physicalLocation");
    assertEquals("broken.yaml", location.get("artifactLocation").get("uri").asText());
    assertEquals(13, location.get("region").get("startLine").asInt());
    assertEquals(21, location.get("region").get("startColumn").asInt());
    assertEquals("warning", results.get(0).get("level").asText());
  }

  @Test
  void lint_nonexistentPath_exitsTwo() throws Exception {
    Result r = run(dir, "policy", "lint", "missing");

    assertEquals(2, r.exit(), r::toString);
    assertEquals("", r.out());
    assertEquals("caracal: `missing` does not exist\n", r.err());
  }

  @Test
  void lint_unknownOption_exitsTwoWithUsageHint() throws Exception {
    write(dir, "files.yaml", PolicyFiles.RESOURCE_AND_POLICY);

    Result r = run(dir, "policy", "lint", "--strict", "files.yaml");

    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("Unknown option: '--strict'"), r.err());
    assertTrue(r.err().contains("caracal policy lint --help"), r.err());
    assertNoStackTrace(r);
  }

  @Test
  void lint_unknownFormat_exitsTwo() throws Exception {
    write(dir, "files.yaml", PolicyFiles.RESOURCE_AND_POLICY);

    Result r = run(dir, "policy", "lint", "--format", "xml", "files.yaml");

    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("xml"), r.err());
  }

  @Test
  void lint_noPaths_exitsTwo() throws Exception {
    Result r = run(dir, "policy", "lint");

    assertEquals(2, r.exit(), r::toString);
    assertNoStackTrace(r);
  }

  @Test
  void lint_folderWithoutYaml_exitsTwo() throws Exception {
    write(dir, "empty/readme.txt", "no policies here");

    Result r = run(dir, "policy", "lint", "empty");

    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().startsWith("caracal: no `.yaml` or `.yml` files under"), r.err());
  }

  @Test
  void lint_hostileAndBrokenFiles_reportsThemWithoutStackTraces() throws Exception {
    byte[] noise = new byte[4096];
    new Random(42).nextBytes(noise);
    Files.write(dir.resolve("random-bytes.yaml"), noise);
    write(dir, "nul.yaml", "apiVersion: caracal.run/v1\u0000\nkind: Policy\n");
    write(dir, "unclosed.yaml", "metadata: {name: p\nspec: [\n");
    write(dir, "list.yaml", "- a\n- b\n");
    write(dir, "empty.yaml", "");
    StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'j'; c++) {
      bomb.append(c).append(": &").append(c).append(" [").append(String.join(",", java.util.Collections.nCopies(9, "*" + (char) (c - 1)))).append("]\n");
    }
    write(dir, "bomb.yaml", bomb.toString());
    write(dir, "deep.yaml", "apiVersion: caracal.run/v1\nkind: Policy\nmetadata: {name: deep}\nspec:\n  resources: ['**']\n"
        + "  rules:\n    - name: r\n      effect: allow\n      scopes: ['*']\n      when: \"" + "(".repeat(500) + "true" + ")".repeat(500) + "\"\n");
    write(dir, "long.yaml", "apiVersion: caracal.run/v1\nkind: Policy\nmetadata: {name: long}\nspec:\n  resources: ['**']\n"
        + "  rules:\n    - name: r\n      effect: allow\n      scopes: ['*']\n      when: \"" + "principal.name == 'x' || ".repeat(10_000) + "true\"\n");

    Result r = run(dir, "policy", "lint", ".");

    assertEquals(1, r.exit(), r::toString);
    assertNoStackTrace(r);
    String out = r.out();
    for (String expected : List.of("bomb.yaml:1:1: error yaml_syntax", "unclosed.yaml:", "list.yaml:1:1: error invalid_document",
        "empty.yaml:1:1: warning empty_file", "deep.yaml:10:14: error complexity_limit", "long.yaml:10:13: error complexity_limit",
        "random-bytes.yaml:", "nul.yaml:")) {
      assertTrue(out.contains(expected), "missing `" + expected + "` in:\n" + out);
    }
  }

  @Test
  void lint_fileOverFourMebibytes_exitsTwo() throws Exception {
    write(dir, "huge.yaml", "# " + "x".repeat(5 * 1024 * 1024) + "\n");

    Result r = run(dir, "policy", "lint", "huge.yaml");

    assertEquals(2, r.exit(), r::toString);
    assertEquals("caracal: `huge.yaml` is larger than 4 MiB\n", r.err());
  }

  @Test
  void lint_wholeLintCorpus_neverPrintsAStackTrace() throws Exception {
    Path corpus = CaracalProcess.root().resolve("policy-lang/src/test/resources/lint-corpus");

    Result r = run(dir, "policy", "lint", "--format", "json", corpus.toString());

    assertEquals(1, r.exit(), r::toString);
    assertNoStackTrace(r);
    assertTrue(JSON.readTree(r.out()).size() > 50, "every corpus case reports something");
  }

  @Test
  void lint_examplePolicies_areClean() throws Exception {
    Result r = run(CaracalProcess.root(), "policy", "lint", "examples/policies");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.err().contains(" 0 error(s)"), r.err());
  }
}
