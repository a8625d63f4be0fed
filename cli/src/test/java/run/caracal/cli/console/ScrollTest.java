package run.caracal.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

final class ScrollTest {
  private final Scroll text = Scroll.of("explain", List.of("a", "b", "c", "d", "e"));

  @Test
  void visible_fromTheTop_showsTheFirstLines() {
    assertEquals(List.of("a", "b"), text.visible(2));
  }

  @Test
  void by_pastTheEnd_stopsWithAFullWindow() {
    Scroll s = text.by(100, 2);

    assertEquals(List.of("d", "e"), s.visible(2));
  }

  @Test
  void by_beforeTheStart_stopsAtTheTop() {
    assertEquals(0, text.by(3, 2).by(-10, 2).offset());
  }

  @Test
  void by_windowTallerThanTheText_doesNotScroll() {
    assertEquals(0, text.by(2, 10).offset());
    assertEquals(text.lines(), text.visible(10));
  }
}
