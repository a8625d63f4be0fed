package run.caracal.policy.diag;

import java.util.Comparator;
import java.util.Objects;
import run.caracal.policy.source.Position;

/**
 * One finding about a policy file, anchored on the offending token.
 *
 * @param position where the finding is (file, 1-based line and column)
 * @param code the stable code; its severity and meaning are fixed by {@link Code}
 * @param message one lowercase line, user input in backticks
 */
public record Diagnostic(Position position, Code code, String message) implements Comparable<Diagnostic> {
  private static final Comparator<Diagnostic> ORDER =
      Comparator.comparing(Diagnostic::position)
          .thenComparing(d -> d.code().severity())
          .thenComparing(d -> d.code().id())
          .thenComparing(Diagnostic::message);

  public Diagnostic {
    Objects.requireNonNull(position, "position");
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  public Severity severity() {
    return code.severity();
  }

  public boolean isError() {
    return code.severity() == Severity.ERROR;
  }

  /** The text form: {@code file:line:col: severity CODE message}. */
  public String format() {
    return position + ": " + severity().label() + " " + code.id() + " " + message;
  }

  @Override
  public int compareTo(Diagnostic other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return format();
  }
}
