package run.caracal.policy.yaml;

import org.yaml.snakeyaml.DumperOptions.ScalarStyle;
import org.yaml.snakeyaml.nodes.ScalarNode;
import run.caracal.policy.source.Position;
import run.caracal.policy.source.SourceFile;

/**
 * A YAML scalar's value together with where it sits in its file, so that a position inside the
 * value (a CEL token) maps back to the file's line and column whatever the scalar style.
 * Immutable and thread-safe.
 */
public final class ScalarText {
  private final String value;
  private final SourceFile file;
  private final int startOffset;
  private final int endOffset;
  private final ScalarStyle style;
  private final Position fixed;

  ScalarText(String value, SourceFile file, ScalarNode node) {
    this.value = value;
    this.file = file;
    this.startOffset = file.offsetOf(node.getStartMark().getLine() + 1, node.getStartMark().getColumn() + 1);
    this.endOffset = file.offsetOf(node.getEndMark().getLine() + 1, node.getEndMark().getColumn() + 1);
    this.style = node.getScalarStyle();
    this.fixed = null;
  }

  /** A value with no source text behind it (built in code); positions point at its start. */
  public static ScalarText synthetic(String value, Position at) {
    return new ScalarText(value, at);
  }

  private ScalarText(String value, Position at) {
    this.value = value;
    this.file = new SourceFile(at.file(), "");
    this.startOffset = 0;
    this.endOffset = 0;
    this.style = ScalarStyle.PLAIN;
    this.fixed = at;
  }

  public String value() {
    return value;
  }

  public Position start() {
    return fixed != null ? fixed : file.positionOf(startOffset);
  }

  /**
   * The file position of the character at {@code valueOffset} in {@link #value()}. Walks the
   * source and the value side by side: quotes, escapes, block indicators, indentation and folded
   * line breaks are skipped in the source until the value's character is found.
   */
  public Position at(int valueOffset) {
    String src = file.text();
    if (src.isEmpty()) {
      return start();
    }
    int p = contentStart(src);
    int target = Math.max(0, Math.min(valueOffset, value.length()));
    for (int i = 0; i <= target && i < value.length(); i++) {
      char c = value.charAt(i);
      int q = p;
      while (q < endOffset && !isEscape(src, q) && !matches(src.charAt(q), c)) {
        q++;
      }
      if (q >= endOffset) {
        return file.positionOf(Math.min(p, endOffset));
      }
      if (i == target) {
        return file.positionOf(q);
      }
      p = isEscape(src, q) ? q + escapeLength(src.charAt(q + 1)) : q + 1;
    }
    return file.positionOf(Math.min(p, endOffset));
  }

  /** Whether a double-quoted escape (one value character, like `\t` or `\x41`) starts at {@code q}. */
  private boolean isEscape(String src, int q) {
    return style == ScalarStyle.DOUBLE_QUOTED && src.charAt(q) == '\\' && q + 1 < endOffset
        && src.charAt(q + 1) != '\n' && src.charAt(q + 1) != '\r';
  }

  private static int escapeLength(char kind) {
    return switch (kind) {
      case 'x' -> 4;
      case 'u' -> 6;
      case 'U' -> 10;
      default -> 2;
    };
  }

  private int contentStart(String src) {
    int p = startOffset;
    if (style == ScalarStyle.SINGLE_QUOTED || style == ScalarStyle.DOUBLE_QUOTED) {
      return p + 1;
    }
    if (style == ScalarStyle.LITERAL || style == ScalarStyle.FOLDED) {
      int nl = src.indexOf('\n', p);
      return nl < 0 ? p : nl + 1;
    }
    return p;
  }

  private static boolean matches(char source, char wanted) {
    return source == wanted || (wanted == ' ' && source == '\n') || (wanted == '\n' && source == '\n');
  }
}
