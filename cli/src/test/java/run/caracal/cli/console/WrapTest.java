package run.caracal.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

final class WrapTest {
  @Test
  void lines_shortText_isOneLine() {
    assertEquals(List.of("request id: _"), Wrap.lines("request id: _", 80));
    assertEquals(List.of(""), Wrap.lines("", 80));
  }

  @Test
  void lines_longText_breaksAtSpacesNeverMidWord() {
    assertEquals(List.of("it also injects the", "provider's credential"),
        Wrap.lines("it also injects the provider's credential", 21));
  }

  @Test
  void lines_wordAsLongAsTheLine_fitsExactly() {
    assertEquals(List.of("abcde", "fg"), Wrap.lines("abcde fg", 5));
  }

  @Test
  void lines_wordLongerThanTheLine_isSplit() {
    assertEquals(List.of("abcd", "efgh", "ij k"), Wrap.lines("abcdefghij k", 4));
  }

  @Test
  void lines_spacesAtABreak_areDropped() {
    assertEquals(List.of("one", "two"), Wrap.lines("one     two", 4));
  }

  @Test
  void lines_setupScenarioQuestionAt120Columns_keepsEveryWordWhole() {
    String line = "  " + SetupForm.Step.SCENARIO.question + ": internal-http_";

    List<String> wrapped = Wrap.lines(line, 118);

    assertTrue(wrapped.size() > 1, wrapped::toString);
    wrapped.forEach(l -> assertTrue(l.length() <= 118, l));
    assertEquals(line.strip().replaceAll(" +", " "), String.join(" ", wrapped).strip().replaceAll(" +", " "));
    assertTrue(wrapped.stream().anyMatch(l -> l.contains("provider's")), wrapped::toString);
  }

  @Test
  void lines_zeroWidth_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> Wrap.lines("x", 0));
  }
}
