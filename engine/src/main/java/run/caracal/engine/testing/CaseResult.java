package run.caracal.engine.testing;

import java.util.List;
import java.util.Optional;
import run.caracal.engine.decision.Decision;
import run.caracal.policy.model.PolicyTest;

/**
 * The outcome of one test case: passed, or the list of differences between expected and actual
 * (decision, determining rules, reasons), or why it could not run.
 */
public record CaseResult(PolicyTest test, PolicyTest.Case testCase, Optional<Decision> decision, List<String> failures) {
  public CaseResult {
    failures = List.copyOf(failures);
  }

  public boolean passed() {
    return failures.isEmpty();
  }

  public String name() {
    return test.name() + "/" + testCase.name().value();
  }
}
