package run.caracal.cli.console;

import java.util.List;

/**
 * A list of rows with one selected and a window of visible rows: the view model of every
 * console list. Immutable; moving returns a new selection. Rows are keyed so a refresh keeps the
 * same row selected when it is still there.
 */
record Selection(List<String> rows, List<String> keys, int selected, int top) {
  Selection {
    rows = List.copyOf(rows);
    keys = List.copyOf(keys);
    if (rows.size() != keys.size()) {
      throw new IllegalArgumentException("rows and keys differ in size");
    }
    selected = rows.isEmpty() ? 0 : Math.max(0, Math.min(selected, rows.size() - 1));
    top = Math.max(0, Math.min(top, selected));
  }

  static Selection of(List<String> rows, List<String> keys) {
    return new Selection(rows, keys, 0, 0);
  }

  static Selection empty() {
    return of(List.of(), List.of());
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  /** The key of the selected row, or an empty string when there are no rows. */
  String selectedKey() {
    return rows.isEmpty() ? "" : keys.get(selected);
  }

  /** Moves the selection by {@code delta} rows, staying inside the list. */
  Selection move(int delta) {
    return new Selection(rows, keys, selected + delta, top);
  }

  /** New rows, keeping the selected key selected when it is still present; the first row after none. */
  Selection replace(List<String> newRows, List<String> newKeys) {
    if (rows.isEmpty()) {
      return new Selection(newRows, newKeys, 0, 0);
    }
    int at = newKeys.indexOf(selectedKey());
    return new Selection(newRows, newKeys, at >= 0 ? at : selected, top);
  }

  /** The first row to draw so that the selection shows in a window of {@code height} rows. */
  int firstVisible(int height) {
    if (height <= 0) {
      return selected;
    }
    int first = Math.min(top, selected);
    if (selected >= first + height) {
      first = selected - height + 1;
    }
    return Math.max(0, Math.min(first, Math.max(0, rows.size() - height)));
  }

  /** Remembers where the window was drawn, so the next move scrolls only when needed. */
  Selection shownAt(int height) {
    return new Selection(rows, keys, selected, firstVisible(height));
  }
}
