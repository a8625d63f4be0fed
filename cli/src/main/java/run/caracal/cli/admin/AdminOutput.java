package run.caracal.cli.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Prints the result of an admin command on stdout: the server's JSON (pretty-printed) or text for
 * people (aligned `name: value` lines, or a table). Notes go to stderr.
 */
public final class AdminOutput {
  private final PrintWriter out;
  private final PrintWriter err;
  private final boolean json;

  public AdminOutput(CommandSpec spec, OutputOptions options) {
    this.out = spec.commandLine().getOut();
    this.err = spec.commandLine().getErr();
    this.json = options.isJson();
  }

  /** Whether the user asked for JSON. */
  public boolean isJson() {
    return json;
  }

  public void json(JsonNode node) {
    try {
      out.println(AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    out.flush();
  }

  public void line(String text) {
    out.println(text);
    out.flush();
  }

  /** A note for the person at the terminal (stderr, so stdout stays data). */
  public void note(String text) {
    err.println(text);
    err.flush();
  }

  /** Every field of a JSON object as display text, in the server's order. */
  public static Map<String, String> fieldsOf(JsonNode object) {
    Map<String, String> fields = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> fields.put(e.getKey(), text(e.getValue())));
    return fields;
  }

  /** `name: value` lines with the values aligned. */
  public void fields(Map<String, String> fields) {
    int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0) + 2;
    fields.forEach((name, value) -> out.println(pad(name + ":", width) + value));
    out.flush();
  }

  /** A table with a header row; when there are no rows, {@code empty} goes to stderr instead. */
  public void table(List<String> headers, List<List<String>> rows, String empty) {
    if (rows.isEmpty()) {
      note(empty);
      return;
    }
    int[] widths = new int[headers.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(headers);
    all.addAll(rows);
    for (List<String> row : all) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < widths.length; i++) {
        line.append(i == widths.length - 1 ? row.get(i) : pad(row.get(i), widths[i] + 2));
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }

  /** A JSON value as one line of text: `-` for null or empty, lists joined with `, `, maps as `k=v`. */
  public static String text(JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return "-";
    }
    if (value.isArray()) {
      List<String> items = new ArrayList<>();
      value.forEach(v -> items.add(text(v)));
      return items.isEmpty() ? "-" : String.join(", ", items);
    }
    if (value.isObject()) {
      List<String> items = new ArrayList<>();
      value.fields().forEachRemaining(e -> items.add(e.getKey() + "=" + text(e.getValue())));
      return items.isEmpty() ? "-" : String.join(", ", items);
    }
    return value.asText();
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }
}
