package run.caracal.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import run.caracal.engine.decision.ReasonCode;

/** Every reason code an edge or the engine can answer with is documented in `docs/reason-codes.md`. */
class ReasonDocsTest {
  @Test
  void everyReasonCode_isInTheReasonCodesPage() throws Exception {
    String page = Files.readString(Path.of("..", "docs", "reason-codes.md"));
    List<String> missing = new ArrayList<>();
    for (Reason r : Reason.values()) {
      if (!page.contains("`" + r.id() + "`")) {
        missing.add(r.id());
      }
    }
    for (ReasonCode c : ReasonCode.values()) {
      if (!page.contains("`" + c.id() + "`")) {
        missing.add(c.id());
      }
    }
    assertEquals(List.of(), missing, "reason codes missing from docs/reason-codes.md");
  }

  @Test
  void everyEngineRefusalCode_isAReasonTheEdgesCanAnswer() {
    for (ReasonCode c : ReasonCode.values()) {
      if (c != ReasonCode.ALLOWED_BY_RULE && c != ReasonCode.ALLOWED_BY_APPROVAL && c != ReasonCode.MCP_PLUMBING) { // the allowing codes
        assertEquals(c.id(), Reason.of(c).id());
      }
    }
  }
}
