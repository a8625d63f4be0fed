package run.caracal.cli.console;

import java.util.List;

/** Lines of text shown through a window that scrolls: the view model of detail and explain panels. */
record Scroll(String title, List<String> lines, int offset) {
  Scroll {
    lines = List.copyOf(lines);
    offset = Math.max(0, Math.min(offset, Math.max(0, lines.size() - 1)));
  }

  static Scroll of(String title, List<String> lines) {
    return new Scroll(title, lines, 0);
  }

  /** Scrolls by {@code delta} lines, never past the last line showing a full window. */
  Scroll by(int delta, int height) {
    int max = Math.max(0, lines.size() - Math.max(1, height));
    return new Scroll(title, lines, Math.max(0, Math.min(offset + delta, max)));
  }

  /** The lines to draw in a window of {@code height} rows. */
  List<String> visible(int height) {
    int end = Math.min(lines.size(), offset + Math.max(0, height));
    return lines.subList(Math.min(offset, end), end);
  }
}
