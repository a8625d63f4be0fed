package run.caracal.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

final class PromptTest {
  private final Prompt empty = Prompt.of("request id");

  @Test
  void type_pastedText_isKeptAndStrippedOnSubmit() {
    Prompt p = empty;
    for (char c : " req_01abc ".toCharArray()) {
      p = p.type(c);
    }

    assertEquals(" req_01abc ", p.text());
    assertEquals("req_01abc", p.value());
    assertEquals("request id:  req_01abc _", p.line());
  }

  @Test
  void type_controlCharacters_areIgnored() {
    assertEquals("a", empty.type('a').type('\t').type('\u001b').text());
  }

  @Test
  void backspace_removesTheLastCharacterAndStopsWhenEmpty() {
    assertEquals("a", empty.type('a').type('b').backspace().text());
    assertEquals("", empty.backspace().backspace().text());
  }

  @Test
  void type_pastTheLimit_isCut() {
    Prompt p = empty;
    for (int i = 0; i < Prompt.MAX + 10; i++) {
      p = p.type('x');
    }

    assertEquals(Prompt.MAX, p.text().length());
  }
}
