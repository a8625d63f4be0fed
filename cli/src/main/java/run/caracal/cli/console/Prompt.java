package run.caracal.cli.console;

/**
 * A one-line text input: the view model of the "explain a request id" prompt. Immutable; typing
 * returns a new prompt. Pasted text arrives as typed characters; whitespace is never kept at the ends.
 */
record Prompt(String label, String text) {
  static final int MAX = 200;

  Prompt {
    text = text.length() > MAX ? text.substring(0, MAX) : text;
  }

  static Prompt of(String label) {
    return new Prompt(label, "");
  }

  /** Adds a typed character; control characters are ignored. */
  Prompt type(char c) {
    return Character.isISOControl(c) ? this : new Prompt(label, text + c);
  }

  /** Removes the last character, if any. */
  Prompt backspace() {
    return text.isEmpty() ? this : new Prompt(label, text.substring(0, text.length() - 1));
  }

  /** The value to submit: the text without surrounding whitespace. */
  String value() {
    return text.strip();
  }

  /** The line drawn on screen, with a cursor mark at the end. */
  String line() {
    return label + ": " + text + "_";
  }
}
