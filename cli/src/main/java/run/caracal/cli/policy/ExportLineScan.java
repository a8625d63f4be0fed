package run.caracal.cli.policy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * What replay needs of an export line, found in one streaming pass of Jackson's parser over its
 * UTF-8 bytes with no tree built: the top-level `kind`, `event_type`, `zone` and `occurred_at`,
 * and where the `explanation` value lies, which is skipped (a worker reads it later). The parser
 * checks the whole line. A line it rejects, one of those four values of another type than
 * string, or trailing content gives null, and the caller reads the line as a tree, which decides
 * what it means. A key given twice counts with its last value, as in a tree. Stateless and
 * thread-safe.
 */
final class ExportLineScan {
  private static final JsonFactory JSON = new JsonFactory();

  /**
   * The line's top fields (empty when absent) and its explanation's value as the bytes
   * {@code [explanationFrom, explanationTo)}, both -1 without one.
   *
   * @param typeField whether the line has a `type` member (which the record reader prefers to
   *     `event_type`)
   */
  record Top(String kind, String type, String zone, String occurredAt, int explanationFrom, int explanationTo,
      boolean typeField) {}

  private ExportLineScan() {}

  /** The line's top fields, or null when the tree must tell. */
  static Top scan(byte[] line) {
    try (JsonParser p = JSON.createParser(line)) {
      return top(p);
    } catch (IOException e) {
      return null;
    }
  }

  private static Top top(JsonParser p) throws IOException {
    String kind = "";
    String type = "";
    String zone = "";
    String occurredAt = "";
    int from = -1;
    int to = -1;
    boolean typeField = false;
    if (p.nextToken() != JsonToken.START_OBJECT) {
      return null;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken value = p.nextToken();
      int start = (int) p.currentTokenLocation().getByteOffset();
      switch (key) {
        case "kind", "event_type", "zone", "occurred_at" -> {
          if (value != JsonToken.VALUE_STRING) {
            return null;
          }
          String text = p.getText();
          switch (key) {
            case "kind" -> kind = text;
            case "event_type" -> type = text;
            case "zone" -> zone = text;
            default -> occurredAt = text;
          }
        }
        case "explanation" -> {
          p.skipChildren();
          p.finishToken();
          from = start;
          to = (int) p.currentLocation().getByteOffset();
        }
        default -> {
          typeField |= key.equals("type");
          p.skipChildren();
        }
      }
    }
    if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
      return null;
    }
    return new Top(kind, type, zone, occurredAt, from, to, typeField);
  }
}
