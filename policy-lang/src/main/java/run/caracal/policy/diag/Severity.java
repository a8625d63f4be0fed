package run.caracal.policy.diag;

import java.util.Locale;

/** How serious a diagnostic is: errors make a policy unusable, warnings are heuristics. */
public enum Severity {
  ERROR,
  WARNING;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
