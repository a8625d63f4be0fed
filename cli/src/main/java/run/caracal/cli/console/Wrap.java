package run.caracal.cli.console;

import java.util.ArrayList;
import java.util.List;

/**
 * Word wrapping for the console's long lines (setup questions, prompts): breaks at spaces so no
 * word is cut, and splits only a word longer than a whole line. Stateless.
 */
final class Wrap {
  private Wrap() {}

  /**
   * The text as lines of at most {@code width} characters (at least one line, empty for empty text).
   * Runs of spaces at a break are dropped; spaces inside a line are kept as typed.
   */
  static List<String> lines(String text, int width) {
    if (width < 1) {
      throw new IllegalArgumentException("width must be at least 1, got " + width);
    }
    List<String> out = new ArrayList<>();
    String rest = text;
    while (rest.length() > width) {
      int space = rest.lastIndexOf(' ', width);
      if (space <= 0) {
        out.add(rest.substring(0, width)); // one word longer than the line: split it
        rest = rest.substring(width);
      } else {
        out.add(rest.substring(0, space).stripTrailing());
        rest = rest.substring(space + 1);
      }
      rest = rest.stripLeading();
    }
    out.add(rest);
    return out;
  }

  /** Every line wrapped to {@code width}, in order. */
  static List<String> all(List<String> lines, int width) {
    List<String> out = new ArrayList<>();
    lines.forEach(l -> out.addAll(lines(l, width)));
    return out;
  }
}
