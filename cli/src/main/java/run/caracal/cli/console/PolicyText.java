package run.caracal.cli.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.googlecode.lanterna.TerminalTextUtils;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostic;
import run.caracal.policy.lint.Linter;
import run.caracal.policy.source.SourceFile;

/**
 * The policies of a zone for the console: the version list, and one version's source with line
 * numbers and its lint diagnostics under the lines they point at. Lint runs here, in the console,
 * with the zone's resources standing in for Resource documents; `untested_policy` is left out
 * because PolicyTests live in git, not on the server.
 */
final class PolicyText {
  static final String POLICY_HEADER = "POLICY                          VERSION  SHA256        CREATED                   IN ACTIVE SET";
  static final String RESOURCES_FILE = "(zone resources)";

  private PolicyText() {}

  /** Rows (newest version first per policy) and keys `name@version` of `GET .../policies`. */
  static Selection policyRows(JsonNode policies, JsonNode activeSet) {
    Set<String> active = pinned(activeSet);
    List<JsonNode> sorted = new ArrayList<>();
    policies.path("policies").forEach(sorted::add);
    sorted.sort(Comparator.comparing((JsonNode p) -> p.path("name").asText())
        .thenComparing(p -> -p.path("version").asInt()));
    List<String> rows = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (JsonNode p : sorted) {
      String key = p.path("name").asText() + "@" + p.path("version").asInt();
      rows.add(String.format("%-31s %-8s %-13s %-25s %s", p.path("name").asText(), "v" + p.path("version").asInt(),
          abbreviate(p.path("sha256").asText()), p.path("created_at").asText(), active.contains(key) ? "yes" : ""));
      keys.add(key);
    }
    return Selection.of(rows, keys);
  }

  /** `name@version` of every policy the set version pins; empty for no set. */
  static Set<String> pinned(JsonNode set) {
    Set<String> out = new HashSet<>();
    set.path("policies").forEach(p -> out.add(p.path("name").asText() + "@" + p.path("version").asInt()));
    return out;
  }

  /** Lints one stored policy source against the zone's resources; the findings in that source only. */
  static List<Diagnostic> lint(String file, String source, JsonNode resources) {
    return lint(List.of(new SourceFile(file, source)), resources);
  }

  /** Lints stored policy sources together against the zone's resources; the findings in those sources only. */
  static List<Diagnostic> lint(List<SourceFile> policies, JsonNode resources) {
    Set<String> names = new HashSet<>();
    policies.forEach(f -> names.add(f.name()));
    List<SourceFile> files = new ArrayList<>(policies);
    files.add(new SourceFile(RESOURCES_FILE, resourceDocuments(resources)));
    return new Linter().lint(new BundleCompiler().compile(files)).diagnostics().stream()
        .filter(d -> names.contains(d.position().file()))
        .filter(d -> d.code() != Code.UNTESTED_POLICY)
        .sorted()
        .toList();
  }

  /**
   * The zone's resources as Resource documents (JSON is YAML), so scope and pattern checks mean
   * something; MCP resources keep their tools and input schemas, for the argument check.
   */
  static String resourceDocuments(JsonNode resources) {
    StringBuilder out = new StringBuilder();
    int n = 0;
    for (JsonNode r : resources) {
      var doc = JsonNodeFactory.instance.objectNode();
      doc.put("apiVersion", "caracal.run/v1");
      doc.put("kind", "Resource");
      doc.putObject("metadata").put("name", "zone-resource-" + ++n);
      var spec = doc.putObject("spec");
      spec.put("id", r.path("id").asText());
      spec.set("scopes", r.path("scopes").deepCopy());
      if (r.path("protocol").asText().equals("mcp")) {
        spec.put("protocol", "mcp");
        var tools = spec.putArray("tools");
        r.path("tools").forEach(t -> {
          var tool = tools.addObject().put("name", t.path("name").asText()).put("scope", t.path("scope").asText());
          if (t.path("input_schema").isObject()) {
            tool.set("input_schema", t.get("input_schema").deepCopy());
          }
        });
      }
      out.append("---\n").append(doc).append('\n');
    }
    return out.toString();
  }

  /**
   * The source with right-aligned line numbers; after each line, its diagnostics with a caret
   * under the column they point at. A summary line comes first.
   */
  static List<String> numbered(String source, List<Diagnostic> diagnostics) {
    List<String> out = new ArrayList<>();
    long errors = diagnostics.stream().filter(Diagnostic::isError).count();
    out.add(diagnostics.isEmpty() ? "lint: clean" : "lint: " + errors + " error(s), " + (diagnostics.size() - errors) + " warning(s)");
    out.add("");
    String[] lines = source.split("\n", -1);
    int count = source.endsWith("\n") ? lines.length - 1 : lines.length;
    int width = Math.max(3, String.valueOf(count).length());
    for (int i = 0; i < count; i++) {
      int line = i + 1;
      out.add(String.format("%" + width + "d | %s", line, lines[i]));
      for (Diagnostic d : diagnostics) {
        if (d.position().line() == line) {
          out.add(" ".repeat(width) + " | " + " ".repeat(cells(lines[i], d.position().column())) + "^ "
              + d.severity().name().toLowerCase(Locale.ROOT) + " " + d.code().id() + ": " + d.message());
        }
      }
    }
    diagnostics.stream().filter(d -> d.position().line() < 1 || d.position().line() > count)
        .forEach(d -> out.add(d.format()));
    return out;
  }

  /**
   * Terminal cells before code-point {@code column} of {@code line}: a wide character (an emoji,
   * CJK) takes two cells, so the caret lands under the character the column names.
   */
  static int cells(String line, int column) {
    int points = Math.max(0, Math.min(column - 1, line.codePointCount(0, line.length())));
    return TerminalTextUtils.getColumnWidth(line.substring(0, line.offsetByCodePoints(0, points)));
  }

  static String abbreviate(String sha) {
    return sha.length() > 12 ? sha.substring(0, 12) : sha;
  }
}
