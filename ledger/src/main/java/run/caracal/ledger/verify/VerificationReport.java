package run.caracal.ledger.verify;

import java.util.List;
import java.util.Optional;

/**
 * The result of verifying a ledger or an export: what was checked and what was found, most
 * fundamental first (registry and signatures, then each chain in registry order by sequence).
 */
public record VerificationReport(
    long chains, long events, long checkpoints, List<Finding> findings) {
  public VerificationReport {
    findings = List.copyOf(findings);
  }

  /** Whether nothing was found. */
  public boolean ok() {
    return findings.isEmpty();
  }

  /** The first broken record. */
  public Optional<Finding> firstFinding() {
    return findings.stream().findFirst();
  }

  /** One line for humans. */
  public String summary() {
    String counts = chains + " chains, " + events + " events, " + checkpoints + " checkpoints";
    return ok() ? "ok: " + counts : "broken: " + findings.get(0) + " (" + counts + ")";
  }
}
