package run.caracal.engine.testing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.ReasonCode;
import run.caracal.engine.decision.RuleEvaluation;
import run.caracal.engine.decision.RuleRef;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.model.Effect;
import run.caracal.policy.model.PolicyTest;
import run.caracal.policy.yaml.ScalarText;

/**
 * Runs the PolicyTest documents of a bundle with the same engine the services use. Expected
 * rules and reasons are compared as exact sets. Stateless and thread-safe.
 */
public final class PolicyTestRunner {
  private final InputReader inputs = new InputReader();

  /** Runs every case; {@code now} is the clock for inputs that give none. */
  public TestReport run(PolicyBundle bundle, Instant now) {
    Map<String, Object> compiled = new HashMap<>();
    List<CaseResult> results = new ArrayList<>();
    Map<String, Integer> coverage = new TreeMap<>();
    for (PolicyTest test : bundle.tests()) {
      String setName = test.policySet().value();
      Object set = compiled.computeIfAbsent(setName, name -> {
        try {
          return LocalPolicySet.compile(bundle, name);
        } catch (IllegalArgumentException e) {
          return e.getMessage();
        }
      });
      if (set instanceof CompiledPolicySet ready) {
        bundle.set(setName).ifPresent(s -> s.policies().forEach(p -> declareRules(bundle.policies().get(p.value()), coverage)));
        for (PolicyTest.Case c : test.cases()) {
          results.add(runCase(test, c, ready, now, coverage));
        }
      } else {
        for (PolicyTest.Case c : test.cases()) {
          results.add(new CaseResult(test, c, Optional.empty(), List.of("cannot run: " + set)));
        }
      }
    }
    return new TestReport(results, coverage);
  }

  private CaseResult runCase(PolicyTest test, PolicyTest.Case c, CompiledPolicySet set, Instant now,
      Map<String, Integer> coverage) {
    Decision decision;
    try {
      decision = set.decide(inputs.fromYaml(c.input(), now));
    } catch (InputReader.InvalidInputException e) {
      return new CaseResult(test, c, Optional.empty(), List.of("invalid input: " + e.getMessage()));
    }
    for (RuleEvaluation e : decision.evaluated()) {
      boolean issuable = e.outcome() == RuleEvaluation.Outcome.UNKNOWN && e.effect() == Effect.ALLOW;
      if (e.outcome() == RuleEvaluation.Outcome.TRUE || issuable) {
        coverage.merge(e.qualifiedName(), 1, Integer::sum);
      }
    }
    List<String> failures = new ArrayList<>();
    if (decision.verdict() != c.decision()) {
      failures.add("decision: expected " + c.decision().id() + ", got " + decision.verdict().id());
    }
    c.rules().ifPresent(expected -> {
      Set<String> want = values(expected);
      Set<String> got = decision.rules().stream().map(RuleRef::qualifiedName).collect(Collectors.toCollection(TreeSet::new));
      if (!want.equals(got)) {
        failures.add("rules: expected " + want + ", got " + got);
      }
    });
    c.reasons().ifPresent(expected -> {
      Set<String> want = values(expected);
      Set<String> got = decision.reasons().stream().map(ReasonCode::id).collect(Collectors.toCollection(TreeSet::new));
      if (!want.equals(got)) {
        failures.add("reasons: expected " + want + ", got " + got);
      }
    });
    return new CaseResult(test, c, Optional.of(decision), failures);
  }

  private static Set<String> values(List<ScalarText> list) {
    return list.stream().map(ScalarText::value).collect(Collectors.toCollection(TreeSet::new));
  }

  private static void declareRules(CheckedPolicy policy, Map<String, Integer> coverage) {
    if (policy != null) {
      policy.rules().forEach(r -> coverage.putIfAbsent(policy.name() + "/" + r.name(), 0));
    }
  }
}
