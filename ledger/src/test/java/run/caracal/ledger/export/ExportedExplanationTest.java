package run.caracal.ledger.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExportedExplanationTest {
  @Test
  void asObject_compactObject_true_andCanonicalGivesTheTextBack() throws Exception {
    List<String> texts = List.of("{}", "{\"a\":1,\"b\":[true,null,\"x\"],\"c\":{\"d\":-2.5}}",
        "{\"note\":\"caf\u00e9 \\\"q\\\" tab\\t\"}", "{\"a\":1,\"a\":2}", "{\"big\":123456789012345678901234567890}");
    for (String text : texts) {
      assertTrue(ExportedExplanation.asObject(text), text);
      try (JsonParser p = new JsonFactory().createParser(text)) {
        p.nextToken();
        assertEquals(text, ExportedExplanation.canonical(p).orElseThrow());
      }
    }
  }

  @Test
  void asObject_anyOtherText_false() {
    List<String> texts = List.of("", "[1]", "\"x\"", "{\"a\": 1}", " {}", "{}\n", "{\"x\":1.50}", "{\"x\":1e5}",
        "{\"x\":\"\\u00e9\"}", "{\"x\":\"a\\/b\"}", "{\"x\":\"\ud83d\ude00\"}", "{} {}", "{\"a\":");
    for (String text : texts) {
      assertFalse(ExportedExplanation.asObject(text), text);
    }
  }
}
