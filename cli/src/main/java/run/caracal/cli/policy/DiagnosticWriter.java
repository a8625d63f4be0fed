package run.caracal.cli.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import run.caracal.cli.Caracal;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostic;

/** Writes diagnostics as text lines, a JSON array, or a SARIF 2.1.0 log. */
final class DiagnosticWriter {
  enum Format { text, json, sarif }

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private DiagnosticWriter() {}

  static void write(List<Diagnostic> diagnostics, Format format, PrintWriter out) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    switch (format) {
      case text -> diagnostics.forEach(d -> out.println(d.format()));
      case json -> out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(json(diagnostics)));
      case sarif -> out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(sarif(diagnostics)));
    }
    out.flush();
  }

  static ArrayNode json(List<Diagnostic> diagnostics) {
    ArrayNode array = F.arrayNode();
    for (Diagnostic d : diagnostics) {
      array.addObject()
          .put("file", d.position().file())
          .put("line", d.position().line())
          .put("column", d.position().column())
          .put("severity", d.severity().label())
          .put("code", d.code().id())
          .put("message", d.message());
    }
    return array;
  }

  static ObjectNode sarif(List<Diagnostic> diagnostics) {
    ObjectNode log = F.objectNode();
    log.put("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    log.put("version", "2.1.0");
    ObjectNode run = log.putArray("runs").addObject();
    run.put("columnKind", "unicodeCodePoints"); // our columns count code points: an emoji is one column
    ObjectNode driver = run.putObject("tool").putObject("driver");
    driver.put("name", "caracal-policy-lint").put("version", Caracal.version())
        .put("informationUri", "https://caracal.run/docs/policy-language");
    ArrayNode rules = driver.putArray("rules");
    Arrays.stream(Code.values()).forEach(c -> rules.addObject().put("id", c.id())
        .put("name", c.id())
        .set("shortDescription", F.objectNode().put("text", c.summary())));
    ArrayNode results = run.putArray("results");
    for (Diagnostic d : diagnostics) {
      ObjectNode result = results.addObject();
      result.put("ruleId", d.code().id());
      result.put("ruleIndex", d.code().ordinal());
      result.put("level", d.isError() ? "error" : "warning");
      result.putObject("message").put("text", d.message());
      ObjectNode physical = result.putArray("locations").addObject().putObject("physicalLocation");
      physical.putObject("artifactLocation").put("uri", d.position().file().replace('\\', '/'));
      physical.putObject("region").put("startLine", d.position().line()).put("startColumn", d.position().column());
    }
    return log;
  }
}
