package run.caracal.decision;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Thrown by the streaming readers ({@link StreamingRecords}, {@link ProtoJson}) at anything but
 * the form the writers write: a value of another JSON type, a null, a number out of range. The
 * caller then reads the same text the tree way, which decides what it means (or why it is not
 * readable), so the fast path never has to repeat the tree readers' leniency. Carries no stack
 * trace: it is a signal, not an error.
 */
final class Unusual extends RuntimeException {
  static final Unusual INSTANCE = new Unusual();

  private Unusual() {
    super("not the form the writer writes", null, false, false);
  }

  static void unless(boolean usual) {
    if (!usual) {
      throw INSTANCE;
    }
  }

  /** The string the parser is at ({@code t}, its current token). */
  static String text(JsonToken t, JsonParser p) throws IOException {
    unless(t == JsonToken.VALUE_STRING);
    return p.getText();
  }

  /** The 32-bit integer the parser is at. */
  static int int32(JsonToken t, JsonParser p) throws IOException {
    unless(t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT);
    return p.getIntValue();
  }

  /** The 64-bit integer the parser is at. */
  static long int64(JsonToken t, JsonParser p) throws IOException {
    unless(t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER);
    return p.getLongValue();
  }

  /** The boolean the parser is at. */
  static boolean bool(JsonToken t) {
    unless(t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE);
    return t == JsonToken.VALUE_TRUE;
  }
}
