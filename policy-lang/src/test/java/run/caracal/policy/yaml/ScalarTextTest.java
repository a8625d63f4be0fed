package run.caracal.policy.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import run.caracal.policy.diag.Diagnostics;
import run.caracal.policy.source.Position;
import run.caracal.policy.source.SourceFile;

/** {@link ScalarText#at} maps an offset in the value to the file, whatever the scalar style. */
final class ScalarTextTest {
  /** Each case: the YAML text after {@code when: }, then the file line and column of its only {@code X}. */
  static Stream<Arguments> styles() {
    return Stream.of(
        Arguments.of("plain", "a == X", 1, 12),
        Arguments.of("double-quoted", "\"'a' == X\"", 1, 15),
        Arguments.of("single-quoted with escaped quotes", "'''a'' == X'", 1, 17),
        Arguments.of("double-quoted with escaped quotes", "\"\\\"a\\\" == X\"", 1, 17),
        Arguments.of("double-quoted with tab escape", "\"'\\t' == X\"", 1, 16),
        Arguments.of("double-quoted with hex escape", "\"'\\x41' == X\"", 1, 18),
        Arguments.of("double-quoted with unicode escape", "\"'\\u00e9' == X\"", 1, 20),
        Arguments.of("plain on two lines", "a ==\n  X", 2, 3),
        Arguments.of("double-quoted on two lines", "\"a &&\n  X\"", 2, 3),
        Arguments.of("literal block", "|\n  a &&\n  X", 3, 3),
        Arguments.of("literal block, strip, more indented", "|-\n  a &&\n    X", 3, 5),
        Arguments.of("folded block with an empty line", ">\n  a &&\n  b\n\n  X", 5, 3),
        Arguments.of("folded block, more indented", ">-\n  a\n    && X", 3, 8),
        Arguments.of("plain after an emoji: one column each", "a == '🦊🦊' || X", 1, 20),
        Arguments.of("double-quoted after an emoji", "\"'🦊' == X\"", 1, 15),
        Arguments.of("literal block, emoji on the line before", "|\n  '🦊' &&\n  🦊 == X", 3, 8));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("styles")
  void at_tokenInAnyStyle_mapsToFilePosition(String style, String yaml, int line, int column) {
    ScalarText when = when("when: " + yaml);
    assertEquals(new Position("f.yaml", line, column), when.at(when.value().indexOf('X')), "value: " + when.value());
  }

  @Test
  void at_scalarAfterAnEmojiOnItsLine_startsWhereTheYamlSays() {
    ScalarText when = when("{desc: 🦊, when: \"a == X\"}");
    assertEquals(new Position("f.yaml", 1, 23), when.at(when.value().indexOf('X')));
  }

  @Test
  void at_crlfLineEndings_mapsToFilePosition() {
    ScalarText when = when("when: |\r\n  a &&\r\n  X\r\n");
    assertEquals(new Position("f.yaml", 3, 3), when.at(when.value().indexOf('X')));
  }

  @Test
  void at_offsetPastTheEnd_pointsAfterTheLastCharacter() {
    ScalarText when = when("when: \"ab\"");
    assertEquals(new Position("f.yaml", 1, 10), when.at(2));
  }

  @Test
  void start_syntheticValue_keepsItsPosition() {
    Position at = new Position("f.yaml", 7, 5);
    assertEquals(at, ScalarText.synthetic("name", at).start());
    assertEquals(at, ScalarText.synthetic("name", at).at(3));
  }

  private static ScalarText when(String text) {
    SourceFile file = new SourceFile("f.yaml", text);
    YamlReader.Result read = new YamlReader().read(file);
    assertEquals(0, read.diagnostics().size(), read.diagnostics().toString());
    return MapView.of(file, read.documents().get(0), new Diagnostics(), "test").orElseThrow().string("when").orElseThrow();
  }
}
