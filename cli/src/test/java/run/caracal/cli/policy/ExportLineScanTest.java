package run.caracal.cli.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import run.caracal.cli.policy.ExportLineScan.Top;

class ExportLineScanTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Top scan(String line) {
    return ExportLineScan.scan(line.getBytes(StandardCharsets.UTF_8));
  }

  private static String explanation(String line, Top top) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    return new String(b, top.explanationFrom(), top.explanationTo() - top.explanationFrom(), StandardCharsets.UTF_8);
  }

  @Test
  void scan_jsonLines_sameFieldsAsTheTree_andTheExplanationsBytes() throws Exception {
    List<String> lines = List.of(
        "{\"kind\":\"event\",\"seq\":12,\"event_type\":\"authorization\",\"occurred_at\":\"2026-12-05T10:00:00Z\","
            + "\"zone\":\"z1\",\"note\":\"caf\u00e9 \\\"q\\\" \\u00e9\",\"explanation\":{\"a\":[1,-2.5e+3,0.25,true,false,null,"
            + "{\"b\":{}},[]],\"c\":\"}]\\\\\"},\"hash\":\"h\"}",
        "{\"kind\":\"event\",\"event_type\":\"gateway.decision\",\"zone\":\"z\",\"explanation\":\"{\\\"record\\\":1}\"}",
        " { \"kind\" : \"event\" , \"zone\" : \"a\" , \"zone\" : \"b\" , \"explanation\" : [ ] } ",
        "{\"kind\":\"header\",\"version\":2,\"public_keys\":[]}",
        "{\"k\\u0069nd\":\"event\",\"zone\":\"\\u007a\"}",
        "{}");
    for (String line : lines) {
      Top top = scan(line);
      assertNotNull(top, line);
      JsonNode tree = JSON.readTree(line);
      assertEquals(tree.path("kind").asText(), top.kind(), line);
      assertEquals(tree.path("event_type").asText(), top.type(), line);
      assertEquals(tree.path("zone").asText(), top.zone(), line);
      assertEquals(tree.path("occurred_at").asText(), top.occurredAt(), line);
      if (tree.has("explanation")) {
        assertEquals(tree.path("explanation"), JSON.readTree(explanation(line, top)), line);
      } else {
        assertEquals(-1, top.explanationFrom(), line);
      }
    }
  }

  @Test
  void scan_whatOnlyTheTreeTells_null() {
    List<String> lines = List.of(
        "{\"zone\":1}",
        "{\"kind\":\"event\"} x",
        "{\"kind\":\"event\"",
        "{\"kind\":\"event\",}",
        "{\"n\":01}",
        "{\"n\":1.}",
        "{\"n\":tru}",
        "{\"s\":\"a\\x\"}",
        "{\"s\":\"tab\there\"}",
        "{\"explanation\":{\"a\" 1}}",
        "{\"explanation\":[1,]}",
        "[]",
        "");
    for (String line : lines) {
      assertNull(scan(line), line);
    }
  }
}
