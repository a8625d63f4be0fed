package run.caracal.policy.source;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The text of one policy file and the name it is reported under. Knows how to turn a character
 * offset (a UTF-16 index into the text) into a 1-based line and column. Columns count Unicode code
 * points, as YAML marks and CEL locations do, so a character outside the Basic Multilingual Plane
 * (an emoji) is one column. Immutable and thread-safe.
 */
public final class SourceFile {
  private final String name;
  private final String text;
  private final int[] lineStarts;

  public SourceFile(String name, String text) {
    this.name = Objects.requireNonNull(name, "name");
    this.text = Objects.requireNonNull(text, "text");
    List<Integer> starts = new ArrayList<>();
    starts.add(0);
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        starts.add(i + 1);
      }
    }
    this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
  }

  public String name() {
    return name;
  }

  public String text() {
    return text;
  }

  /** The position of a character offset (clamped to the text). */
  public Position positionOf(int offset) {
    int clamped = Math.max(0, Math.min(offset, text.length()));
    int lo = 0;
    int hi = lineStarts.length - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (lineStarts[mid] <= clamped) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    if (clamped > lineStarts[lo] && clamped < text.length() && Character.isLowSurrogate(text.charAt(clamped))
        && Character.isHighSurrogate(text.charAt(clamped - 1))) {
      clamped--; // inside a surrogate pair: the character's own column
    }
    return new Position(name, lo + 1, text.codePointCount(lineStarts[lo], clamped) + 1);
  }

  /** The character offset of a 1-based line and code-point column (clamped to the line and the text). */
  public int offsetOf(int line, int column) {
    int l = Math.max(1, Math.min(line, lineStarts.length));
    int start = lineStarts[l - 1];
    int end = l < lineStarts.length ? lineStarts[l] : text.length();
    int points = text.codePointCount(start, end);
    return text.offsetByCodePoints(start, Math.min(points, Math.max(0, column - 1)));
  }

  /** The text of a 1-based line without its line break, or an empty string past the end. */
  public String line(int line) {
    if (line < 1 || line > lineStarts.length) {
      return "";
    }
    int start = lineStarts[line - 1];
    int end = line < lineStarts.length ? lineStarts[line] - 1 : text.length();
    if (end > start && text.charAt(end - 1) == '\r') {
      end--;
    }
    return text.substring(start, Math.max(start, end));
  }
}
