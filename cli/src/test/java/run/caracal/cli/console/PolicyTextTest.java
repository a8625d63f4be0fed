package run.caracal.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import run.caracal.cli.admin.AdminClient;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostic;

final class PolicyTextTest {
  private static final String POLICY = """
      apiVersion: caracal.run/v1
      kind: Policy
      metadata:
        name: readers
      spec:
        resources: ['resource://docs']
        rules:
          - name: read
            effect: allow
            scopes: ['docs:read']
            when: principal.id == 'app_1'
      """;

  private static JsonNode json(String text) throws Exception {
    return AdminClient.JSON.readTree(text);
  }

  @Test
  void lint_cleanPolicyAgainstTheZonesResources_hasNoFindings() throws Exception {
    JsonNode resources = json("[{\"id\":\"resource://docs\",\"scopes\":[\"docs:read\"]}]");

    assertEquals(List.of(), PolicyText.lint("readers@1", POLICY, resources));
  }

  @Test
  void lint_scopeTheZoneDoesNotDeclare_isAWarningOnItsLine() throws Exception {
    JsonNode resources = json("[{\"id\":\"resource://docs\",\"scopes\":[\"docs:write\"]}]");

    List<Diagnostic> found = PolicyText.lint("readers@1", POLICY, resources);

    assertEquals(1, found.size(), found.toString());
    assertEquals(Code.UNKNOWN_SCOPE, found.get(0).code());
    assertEquals(10, found.get(0).position().line());
  }

  @Test
  void lint_argumentTheZonesImportedSchemaLacks_isAWarningAtTheName() throws Exception {
    String policy = POLICY.replace("principal.id == 'app_1'", "request.mcp.arguments.pth == '/a'");
    JsonNode resources = json("[{\"id\":\"resource://docs\",\"scopes\":[\"docs:read\"],\"protocol\":\"mcp\",\"tools\":"
        + "[{\"name\":\"read_doc\",\"scope\":\"docs:read\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"path\":{}}}}]}]");

    List<Diagnostic> found = PolicyText.lint("readers@1", policy, resources);

    assertEquals(1, found.size(), found.toString());
    assertEquals(Code.UNKNOWN_ARGUMENT, found.get(0).code());
    assertEquals(11, found.get(0).position().line());
    assertEquals(35, found.get(0).position().column());
  }

  @Test
  void lint_typeErrorInACondition_isAnError() throws Exception {
    String broken = POLICY.replace("principal.id == 'app_1'", "principal.id == 1");

    List<Diagnostic> found = PolicyText.lint("readers@1", broken, json("[{\"id\":\"resource://docs\",\"scopes\":[\"docs:read\"]}]"));

    assertTrue(found.stream().anyMatch(Diagnostic::isError), found.toString());
  }

  @Test
  void numbered_putsTheFindingUnderItsLineWithACaret() throws Exception {
    JsonNode resources = json("[{\"id\":\"resource://docs\",\"scopes\":[\"docs:write\"]}]");
    List<String> lines = PolicyText.numbered(POLICY, PolicyText.lint("readers@1", POLICY, resources));

    assertEquals("lint: 0 error(s), 1 warning(s)", lines.get(0));
    assertEquals("  1 | apiVersion: caracal.run/v1", lines.get(2));
    int at = lines.indexOf(" 10 |       scopes: ['docs:read']");
    assertTrue(at > 0, lines.toString());
    String caret = lines.get(at + 1);
    assertTrue(caret.startsWith("    |                ^ warning unknown_scope: scope `docs:read`"), caret);
    assertEquals(" 11 |       when: principal.id == 'app_1'", lines.get(at + 2));
    assertEquals(14, lines.size(), "two header lines, the eleven source lines and one finding");
  }

  @Test
  void numbered_wideCharactersBeforeTheColumn_moveTheCaretByTheirCells() {
    Diagnostic d = new Diagnostic(new run.caracal.policy.source.Position("p.yaml", 1, 3), Code.UNKNOWN_SCOPE, "x");

    List<String> lines = PolicyText.numbered("a🦊b c\n", List.of(d));

    assertEquals("    |    ^ warning unknown_scope: x", lines.get(3), "a (1 cell) and the fox (2 cells) come before b");
    assertEquals(3, PolicyText.cells("a🦊b c", 3));
    assertEquals(4, PolicyText.cells("a🦊b c", 4));
    assertEquals(0, PolicyText.cells("abc", 1));
    assertEquals(3, PolicyText.cells("abc", 99), "past the end: the whole line");
  }

  @Test
  void numbered_cleanSource_saysSo() {
    assertEquals(List.of("lint: clean", "", "  1 | a: b"), PolicyText.numbered("a: b\n", List.of()));
  }

  @Test
  void policyRows_newestFirstPerPolicy_markTheActiveSetsPins() throws Exception {
    JsonNode policies = json("""
        {"policies":[
          {"name":"readers","version":1,"sha256":"aaaaaaaaaaaaaaaa","created_at":"2026-01-01T00:00:00Z"},
          {"name":"readers","version":2,"sha256":"bbbbbbbbbbbbbbbb","created_at":"2026-01-02T00:00:00Z"},
          {"name":"admins","version":1,"sha256":"cccccccccccccccc","created_at":"2026-01-03T00:00:00Z"}]}""");
    JsonNode active = json("{\"policies\":[{\"name\":\"readers\",\"version\":1},{\"name\":\"admins\",\"version\":1}]}");

    Selection rows = PolicyText.policyRows(policies, active);

    assertEquals(List.of("admins@1", "readers@2", "readers@1"), rows.keys());
    assertTrue(rows.rows().get(0).endsWith("yes"), rows.rows().get(0));
    assertTrue(rows.rows().get(1).contains("bbbbbbbbbbbb ") && !rows.rows().get(1).endsWith("yes"), rows.rows().get(1));
    assertTrue(rows.rows().get(2).endsWith("yes"));
  }
}
