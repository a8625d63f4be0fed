package run.caracal.policy.diag;

import java.util.ArrayList;
import java.util.List;
import run.caracal.policy.source.Position;

/** Collects diagnostics while a tool runs. Not thread-safe: one per compilation. */
public final class Diagnostics {
  private final List<Diagnostic> items = new ArrayList<>();

  public void add(Position position, Code code, String message) {
    items.add(new Diagnostic(position, code, message));
  }

  public void addAll(List<Diagnostic> diagnostics) {
    items.addAll(diagnostics);
  }

  public boolean hasErrors() {
    return items.stream().anyMatch(Diagnostic::isError);
  }

  /** Every diagnostic so far, sorted by position, without duplicates. */
  public List<Diagnostic> sorted() {
    return items.stream().distinct().sorted().toList();
  }
}
