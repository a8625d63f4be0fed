package run.caracal.engine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.Phase;
import run.caracal.policy.source.SourceFile;
import run.caracal.policy.yaml.YamlReader;

/** Decision inputs from YAML (test cases) and JSON (`policy eval --input`). */
final class InputReaderTest {
  private static final Instant CLOCK = Instant.parse("2026-01-31T09:30:00Z");
  private final InputReader reader = new InputReader();

  private DecisionInput yaml(String text) throws InputReader.InvalidInputException {
    return reader.fromYaml(new YamlReader().read(new SourceFile("i.yaml", text)).documents().get(0), CLOCK);
  }

  @Test
  void fromJson_fullInput_readsEveryPart() throws Exception {
    DecisionInput in = reader.fromJson("""
        {"principal": {"id": "app-1", "name": "agent", "zone": "eu", "labels": ["ops"], "attributes": {"team": "a"}},
         "session": {"id": "s1", "root_id": "s0", "depth": 2, "expires_at": "2026-02-01T00:00:00Z"},
         "delegation": {"depth": 1, "chain": [{"app": "app-0", "session": "s0"}], "parent_scopes": ["read"]},
         "resource": {"id": "resource://api", "scopes": ["read"]},
         "request": {"phase": "issue", "scopes": ["read"], "method": "GET", "headers": {"x-a": "1"}, "body": {"n": 5}},
         "context": {"trace_id": "t1", "client_ip": "10.0.0.1"},
         "now": "2026-01-31T10:00:00Z"}
        """, CLOCK);

    assertEquals("agent", in.principal().getName());
    assertEquals("a", in.principal().getAttributesMap().get("team"));
    assertEquals(2, in.session().getDepth());
    assertEquals(Instant.parse("2026-02-01T00:00:00Z").getEpochSecond(), in.session().getExpiresAt().getSeconds());
    assertEquals("app-0", in.delegation().getChain(0).getApp());
    assertEquals(List.of("read"), in.delegation().getParentScopesList());
    assertEquals(Phase.ISSUE, in.phase());
    assertEquals(5.0, in.request().getBody().getStructValue().getFieldsMap().get("n").getNumberValue());
    assertEquals("10.0.0.1", in.context().getClientIp());
    assertEquals(Instant.parse("2026-01-31T10:00:00Z"), in.now());
  }

  @Test
  void fromJson_noNow_usesTheCallersClock() throws Exception {
    assertEquals(CLOCK, reader.fromJson("{}", CLOCK).now());
  }

  @Test
  void fromJson_lowerCamelCaseFields_areAccepted() throws Exception {
    DecisionInput in = reader.fromJson("{\"delegation\": {\"parentScopes\": [\"read\"]}, \"session\": {\"rootId\": \"s0\"}}", CLOCK);

    assertEquals(List.of("read"), in.delegation().getParentScopesList());
    assertEquals("s0", in.session().getRootId());
  }

  @Test
  void fromJson_unknownTopLevelKey_namesItAndTheExpectedOnes() {
    var e = assertThrows(InputReader.InvalidInputException.class, () -> reader.fromJson("{\"user\": {}}", CLOCK));

    assertEquals("unknown input `user` (expected one of context, delegation, now, principal, request, resource, session)",
        e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"principal\": {\"nmae\": \"x\"}}                 | principal | nmae",
      "{\"delegation\": {\"chain\": [{\"ap\": \"x\"}]}}    | delegation | ap",
      "{\"request\": {\"scopes\": \"read\"}}               | request | scopes",
      "{\"session\": {\"depth\": \"deep\"}}                | session | deep",
  })
  void fromJson_badField_namesTheObjectAndTheOffendingText(String json, String object, String field) {
    var e = assertThrows(InputReader.InvalidInputException.class, () -> reader.fromJson(json, CLOCK));

    assertTrue(e.getMessage().startsWith("`" + object + "`: "), e.getMessage());
    assertTrue(e.getMessage().contains(field), e.getMessage());
    assertTrue(!e.getMessage().contains("Exception") && !e.getMessage().contains("caracal.v1"), e.getMessage());
  }

  @Test
  void fromJson_objectIsNotAMapping_saysSo() {
    var e = assertThrows(InputReader.InvalidInputException.class, () -> reader.fromJson("{\"principal\": [1]}", CLOCK));

    assertEquals("`principal` must be a mapping", e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"\"yesterday\"", "\"2026-13-01T00:00:00Z\"", "12"})
  void fromJson_badNow_explainsTheFormat(String now) {
    var e = assertThrows(InputReader.InvalidInputException.class, () -> reader.fromJson("{\"now\": " + now + "}", CLOCK));

    assertEquals("`now` must be an RFC 3339 time like `2026-01-31T09:30:00Z`", e.getMessage());
  }

  @Test
  void fromJson_unknownPhase_isAnInvalidInput() {
    var e = assertThrows(InputReader.InvalidInputException.class,
        () -> reader.fromJson("{\"request\": {\"phase\": \"later\"}}", CLOCK));

    assertEquals("`request.phase` must be `issue` or `request`, not `later`", e.getMessage());
  }

  @Test
  void fromJson_notJson_isAnInvalidInput() {
    var e = assertThrows(InputReader.InvalidInputException.class, () -> reader.fromJson("{\"principal\": ", CLOCK));

    assertTrue(e.getMessage().startsWith("input is not valid json"), e.getMessage());
  }

  @Test
  void fromJson_array_isAnInvalidInput() {
    var e = assertThrows(InputReader.InvalidInputException.class, () -> reader.fromJson("[1, 2]", CLOCK));

    assertEquals("input must be a json object", e.getMessage());
  }

  @Test
  void fromYaml_typedScalars_keepTheirTypes() throws Exception {
    DecisionInput in = yaml("{session: {depth: 3}, request: {body: {amount: 1200, ok: true, ratio: 0.5, note: null}}}");

    assertEquals(3, in.session().getDepth());
    var body = in.request().getBody().getStructValue().getFieldsMap();
    assertEquals(1200.0, body.get("amount").getNumberValue());
    assertTrue(body.get("ok").getBoolValue());
    assertEquals(0.5, body.get("ratio").getNumberValue());
    assertTrue(body.get("note").hasNullValue());
  }

  @Test
  void fromYaml_unknownKey_pointsAtIt() {
    var e = assertThrows(InputReader.InvalidInputException.class, () -> yaml("request: {scopes: [read]}\nprincpal: {}\n"));

    assertTrue(e.getMessage().contains("`princpal`"), e.getMessage());
    assertEquals(2, e.node().orElseThrow().getStartMark().getLine() + 1);
  }

  @Test
  void fromYaml_nowAsYamlTimestamp_isRead() throws Exception {
    assertEquals(Instant.parse("2026-01-31T10:00:00Z"), yaml("{now: 2026-01-31T10:00:00Z}").now());
  }

  @Test
  void fromYaml_scalarInput_isAnInvalidInput() {
    var e = assertThrows(InputReader.InvalidInputException.class, () -> yaml("just text"));

    assertEquals("input must be a mapping", e.getMessage());
  }
}
