package run.caracal.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

final class SelectionTest {
  private static Selection rows(int n) {
    List<String> rows = java.util.stream.IntStream.range(0, n).mapToObj(i -> "row " + i).toList();
    List<String> keys = java.util.stream.IntStream.range(0, n).mapToObj(i -> "k" + i).toList();
    return Selection.of(rows, keys);
  }

  @Test
  void move_pastEitherEnd_staysInsideTheList() {
    Selection s = rows(3);

    assertEquals(0, s.move(-5).selected());
    assertEquals(2, s.move(10).selected());
    assertEquals("k1", s.move(1).selectedKey());
  }

  @Test
  void empty_hasNoKeyAndDoesNotMove() {
    Selection s = Selection.empty();

    assertTrue(s.isEmpty());
    assertEquals("", s.selectedKey());
    assertEquals(0, s.move(3).selected());
  }

  @Test
  void replace_selectedKeyStillPresent_keepsItSelected() {
    Selection s = rows(3).move(1);

    Selection refreshed = s.replace(List.of("new", "row 0", "row 1", "row 2"), List.of("kn", "k0", "k1", "k2"));

    assertEquals("k1", refreshed.selectedKey());
    assertEquals(2, refreshed.selected());
  }

  @Test
  void replace_selectedKeyGone_keepsThePositionWithinBounds() {
    Selection s = rows(3).move(2);

    Selection refreshed = s.replace(List.of("a", "b"), List.of("x", "y"));

    assertEquals(1, refreshed.selected());
  }

  @Test
  void replace_afterNoRows_selectsTheFirstRow() {
    Selection refreshed = Selection.empty().replace(List.of("a", "b"), List.of("", "y"));

    assertEquals(0, refreshed.selected());
  }

  @Test
  void firstVisible_selectionBelowTheWindow_scrollsJustEnough() {
    Selection s = rows(20).move(12);

    assertEquals(8, s.firstVisible(5));
    Selection shown = s.shownAt(5);
    assertEquals(8, shown.move(-2).firstVisible(5));
    assertEquals(7, shown.move(-5).firstVisible(5));
  }

  @Test
  void firstVisible_windowTallerThanTheList_startsAtTheTop() {
    assertEquals(0, rows(3).move(2).firstVisible(10));
  }

  @Test
  void constructor_rowsAndKeysDiffer_throws() {
    assertThrows(IllegalArgumentException.class, () -> Selection.of(List.of("a"), List.of()));
  }
}
