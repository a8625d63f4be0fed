package run.caracal.cli.policy;

import java.nio.charset.StandardCharsets;

/**
 * What replay needs of an export line, found in one pass over its UTF-8 bytes with nothing built:
 * the top-level `kind`, `event_type`, `zone` and `occurred_at`, and where the `explanation`
 * value lies, which is skipped by matching brackets (a worker reads it later). The whole line is
 * checked against the JSON grammar on the way, so a line accepted here is one a JSON parser
 * accepts. Anything it does not handle (an escape in a key or in one of those values, a value of
 * another type, trailing content, bad JSON) gives null, and the caller reads the line as a tree,
 * which decides what it means. A key given twice counts with its last value, as in a tree.
 * Stateless and thread-safe.
 */
final class ExportLineScan {
  /** Deepest nesting accepted, as Jackson's default limit. */
  private static final int MAX_DEPTH = 1000;

  /**
   * The line's top fields (empty when absent) and its explanation's value as the bytes
   * {@code [explanationFrom, explanationTo)}, both -1 without one.
   *
   * @param typeField whether the line has a `type` member (which the record reader prefers to
   *     `event_type`)
   */
  record Top(String kind, String type, String zone, String occurredAt, int explanationFrom, int explanationTo,
      boolean typeField) {}

  /** Why a scan stopped; carries no stack trace. */
  private static final class Stop extends RuntimeException {
    static final Stop INSTANCE = new Stop();

    private Stop() {
      super("not scanned", null, false, false);
    }
  }

  private final byte[] b;
  private int i;

  private ExportLineScan(byte[] line) {
    this.b = line;
  }

  /** The line's top fields, or null when the tree must tell. */
  static Top scan(byte[] line) {
    try {
      return new ExportLineScan(line).top();
    } catch (Stop | ArrayIndexOutOfBoundsException e) {
      return null;
    }
  }

  private Top top() {
    String kind = "";
    String type = "";
    String zone = "";
    String occurredAt = "";
    int from = -1;
    int to = -1;
    boolean typeField = false;
    space();
    expect('{');
    space();
    if (b[i] == '}') {
      i++;
    } else {
      while (true) {
        space();
        String key = plainString();
        space();
        expect(':');
        space();
        int start = i;
        value(1);
        int end = i;
        switch (key) {
          case "kind" -> kind = plainString(start, end);
          case "event_type" -> type = plainString(start, end);
          case "zone" -> zone = plainString(start, end);
          case "occurred_at" -> occurredAt = plainString(start, end);
          case "explanation" -> {
            from = start;
            to = end;
          }
          case "type" -> typeField = true;
          default -> {
            // not read here
          }
        }
        space();
        if (b[i] == ',') {
          i++;
          continue;
        }
        expect('}');
        break;
      }
    }
    space();
    stopUnless(i == b.length);
    return new Top(kind, type, zone, occurredAt, from, to, typeField);
  }

  /** The string at {@code i} without escapes, moving past it. */
  private String plainString() {
    int start = i;
    string();
    return plainString(start, i);
  }

  /** The string value {@code [start, end)} (quotes included), which must hold no escape. */
  private String plainString(int start, int end) {
    stopUnless(b[start] == '"');
    for (int k = start + 1; k < end - 1; k++) {
      stopUnless(b[k] != '\\');
    }
    return new String(b, start + 1, end - start - 2, StandardCharsets.UTF_8);
  }

  private void value(int depth) {
    stopUnless(depth <= MAX_DEPTH);
    switch (b[i]) {
      case '"' -> string();
      case '{' -> {
        i++;
        space();
        if (b[i] == '}') {
          i++;
          return;
        }
        while (true) {
          space();
          string();
          space();
          expect(':');
          space();
          value(depth + 1);
          space();
          if (b[i] == ',') {
            i++;
            continue;
          }
          expect('}');
          return;
        }
      }
      case '[' -> {
        i++;
        space();
        if (b[i] == ']') {
          i++;
          return;
        }
        while (true) {
          space();
          value(depth + 1);
          space();
          if (b[i] == ',') {
            i++;
            continue;
          }
          expect(']');
          return;
        }
      }
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> number();
    }
  }

  private void string() {
    expect('"');
    while (true) {
      int c = b[i++] & 0xff;
      if (c == '"') {
        return;
      }
      stopUnless(c >= 0x20);
      if (c == '\\') {
        int e = b[i++];
        if (e == 'u') {
          for (int k = 0; k < 4; k++) {
            stopUnless(Character.digit(b[i++], 16) >= 0);
          }
        } else {
          stopUnless(e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't');
        }
      }
    }
  }

  private void number() {
    if (b[i] == '-') {
      i++;
    }
    if (b[i] == '0') {
      i++;
    } else {
      stopUnless(b[i] >= '1' && b[i] <= '9');
      digits();
    }
    if (i < b.length && b[i] == '.') {
      i++;
      stopUnless(isDigit());
      digits();
    }
    if (i < b.length && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      if (b[i] == '+' || b[i] == '-') {
        i++;
      }
      stopUnless(isDigit());
      digits();
    }
  }

  private void digits() {
    while (i < b.length && isDigit()) {
      i++;
    }
  }

  private boolean isDigit() {
    return b[i] >= '0' && b[i] <= '9';
  }

  private void literal(String word) {
    for (int k = 0; k < word.length(); k++) {
      stopUnless(b[i++] == word.charAt(k));
    }
  }

  private void space() {
    while (i < b.length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) {
      i++;
    }
  }

  private void expect(char c) {
    stopUnless(b[i] == c);
    i++;
  }

  private static void stopUnless(boolean ok) {
    if (!ok) {
      throw Stop.INSTANCE;
    }
  }
}
