package run.caracal.ledger.export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Optional;

/**
 * How an export line holds an event's explanation (export version 2): as a JSON object when the
 * stored text is exactly what this class writes for that object ({@link #canonical}: compact,
 * members in their order, Jackson's number and string forms), else as one JSON string holding the
 * stored text, as in version 1. Either way the stored text, which the event's hash covers, comes
 * back exactly: from an object by writing it again with {@link #canonical}. Readers that replay
 * decisions then tokenize the explanation once, with the line, instead of decoding a string and
 * parsing it again. Stateless and thread-safe.
 */
public final class ExportedExplanation {
  private static final JsonFactory JSON = new JsonFactory();

  private ExportedExplanation() {}

  /** Writes the {@code explanation} member of an event line. */
  static void write(JsonGenerator g, String text) throws IOException {
    g.writeFieldName("explanation");
    if (!asObject(text)) {
      g.writeString(text);
      return;
    }
    try (JsonParser p = JSON.createParser(text)) {
      p.nextToken();
      g.copyCurrentStructure(p);
    }
  }

  /** Whether the export holds {@code text} as an object: a JSON object its own canonical form. */
  public static boolean asObject(String text) {
    if (text.isEmpty() || text.charAt(0) != '{' || hasSurrogate(text)) {
      return false;
    }
    try (JsonParser p = JSON.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      Optional<String> again = canonical(p);
      return p.nextToken() == null && again.isPresent() && again.get().equals(text);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * The object the parser is at (its START_OBJECT read) as compact JSON text, leaving the parser at
   * its END_OBJECT: the stored text of an explanation an export holds as an object.
   */
  public static Optional<String> canonical(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      return Optional.empty();
    }
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.copyCurrentStructure(p);
    }
    return Optional.of(out.toString());
  }

  /**
   * Surrogates (characters outside the basic plane, or broken ones) keep the string form: a
   * broken pair survives a string but not every generator.
   */
  private static boolean hasSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.isSurrogate(text.charAt(i))) {
        return true;
      }
    }
    return false;
  }
}
