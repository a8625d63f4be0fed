package run.caracal.policy.source;

import java.util.Comparator;
import java.util.Objects;

/** A place in a source file: 1-based line and column. */
public record Position(String file, int line, int column) implements Comparable<Position> {
  private static final Comparator<Position> ORDER =
      Comparator.comparing(Position::file).thenComparingInt(Position::line).thenComparingInt(Position::column);

  public Position {
    Objects.requireNonNull(file, "file");
  }

  /** A position for input that has no source (a generated document, a whole file). */
  public static Position startOf(String file) {
    return new Position(file, 1, 1);
  }

  @Override
  public int compareTo(Position other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return file + ":" + line + ":" + column;
  }
}
