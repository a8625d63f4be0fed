package run.caracal.engine.testing;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The results of running every PolicyTest in a bundle, with rule coverage.
 *
 * @param cases every case result, in file order
 * @param coverage for each rule (`policy/rule`) of a tested set, how many cases it held in
 */
public record TestReport(List<CaseResult> cases, Map<String, Integer> coverage) {
  public TestReport {
    cases = List.copyOf(cases);
    coverage = Collections.unmodifiableMap(new TreeMap<>(coverage));
  }

  public long failed() {
    return cases.stream().filter(c -> !c.passed()).count();
  }

  public boolean passed() {
    return failed() == 0;
  }

  /** Rules of tested sets that held in no case, sorted. */
  public List<String> unexercised() {
    return coverage.entrySet().stream().filter(e -> e.getValue() == 0).map(Map.Entry::getKey).sorted().toList();
  }
}
