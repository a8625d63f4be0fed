package run.caracal.engine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.engine.Fixture.policy;
import static run.caracal.engine.Fixture.rule;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import run.caracal.engine.Fixture;

/** The PolicyTest runner: exact-set comparison of rules and reasons, bad inputs, coverage. */
final class PolicyTestRunnerTest {
  private static final String POLICY = policy("p",
      rule("reads", "allow", "[read]", null)
          + rule("writers", "allow", "[write]", "'writer' in principal.labels")
          + rule("also-writers", "allow", "[write]", "principal.zone == 'eu'")
          + rule("no-bots", "deny", "['*']", "'bot' in principal.labels")
          + rule("never-held", "deny", "[admin]", "principal.name == 'nobody'"));

  private static TestReport run(String cases) {
    String test = """
        apiVersion: caracal.run/v1
        kind: PolicyTest
        metadata: {name: t}
        spec:
          policySet: main
          cases:
        """ + cases.lines().map(l -> "    " + l).reduce("", (a, b) -> a + b + "\n");
    return new PolicyTestRunner().run(Fixture.bundle(POLICY, test), Fixture.NOW);
  }

  private static List<String> failures(TestReport report) {
    return report.cases().stream().flatMap(c -> c.failures().stream().map(f -> c.testCase().name().value() + ": " + f)).toList();
  }

  @Test
  void run_expectationsMatch_passes() {
    TestReport report = run("""
        - name: writer in eu
          input: {principal: {labels: [writer], zone: eu}, resource: {id: "resource://api"}, request: {scopes: [read, write]}}
          expect: {decision: allow, rules: [p/reads, p/writers, p/also-writers], reasons: [allowed_by_rule]}
        - name: bot
          input: {principal: {labels: [bot]}, resource: {id: "resource://api"}, request: {scopes: [read]}}
          expect: {decision: deny, rules: [p/no-bots], reasons: [denied_by_rule]}
        - name: no grant
          input: {resource: {id: "resource://api"}, request: {scopes: [write]}}
          expect: {decision: deny, rules: [], reasons: [no_matching_rule]}
        """);

    assertEquals(List.of(), failures(report));
    assertTrue(report.passed());
  }

  @Test
  void run_expectedRulesSubsetOfActual_failsAsExactSet() {
    TestReport report = run("""
        - name: writer in eu
          input: {principal: {labels: [writer], zone: eu}, resource: {id: "resource://api"}, request: {scopes: [write]}}
          expect: {decision: allow, rules: [p/writers]}
        """);

    assertEquals(List.of("writer in eu: rules: expected [p/writers], got [p/also-writers, p/writers]"), failures(report));
    assertEquals(1, report.failed());
  }

  @Test
  void run_expectedRulesSupersetOfActual_fails() {
    TestReport report = run("""
        - name: reader
          input: {resource: {id: "resource://api"}, request: {scopes: [read]}}
          expect: {decision: allow, rules: [p/reads, p/writers]}
        """);

    assertEquals(List.of("reader: rules: expected [p/reads, p/writers], got [p/reads]"), failures(report));
  }

  @Test
  void run_reasonsDiffer_failsAsExactSet() {
    TestReport report = run("""
        - name: bot asks for an undeclared scope
          input: {principal: {labels: [bot]}, resource: {id: "resource://api"}, request: {scopes: [export]}}
          expect: {decision: deny, reasons: [denied_by_rule]}
        """);

    assertEquals(List.of("bot asks for an undeclared scope: reasons: expected [denied_by_rule], got [denied_by_rule, scope_not_declared]"),
        failures(report));
  }

  @Test
  void run_wrongDecision_reportsExpectedAndActual() {
    TestReport report = run("""
        - name: reader
          input: {resource: {id: "resource://api"}, request: {scopes: [read]}}
          expect: {decision: deny}
        """);

    assertEquals(List.of("reader: decision: expected deny, got allow"), failures(report));
    assertTrue(report.cases().get(0).decision().isPresent());
  }

  @Test
  void run_rulesAndReasonsLeftOut_areNotChecked() {
    TestReport report = run("""
        - name: bot
          input: {principal: {labels: [bot]}, resource: {id: "resource://api"}, request: {scopes: [read]}}
          expect: {decision: deny}
        """);

    assertTrue(report.passed(), failures(report).toString());
  }

  @Test
  void run_invalidInput_isAFailureNamingTheField() {
    TestReport report = run("""
        - name: typo
          input: {principal: {nmae: x}, resource: {id: "resource://api"}, request: {scopes: [read]}}
          expect: {decision: allow}
        - name: unknown root
          input: {user: {name: x}, request: {scopes: [read]}}
          expect: {decision: allow}
        """);

    List<String> failures = failures(report);
    assertEquals(2, failures.size(), failures.toString());
    assertTrue(failures.get(0).startsWith("typo: invalid input: ") && failures.get(0).contains("nmae"), failures.get(0));
    assertTrue(failures.get(1).startsWith("unknown root: invalid input: ") && failures.get(1).contains("`user`"), failures.get(1));
    assertTrue(report.cases().get(0).decision().isEmpty());
  }

  @Test
  void run_setWithBrokenPolicy_reportsEveryCaseAsNotRunnable() {
    String broken = policy("broken", rule("r", "allow", "[read]", "principal.nmae == 'x'"));
    String set = "apiVersion: caracal.run/v1\nkind: PolicySet\nmetadata: {name: main}\nspec: {policies: [broken]}\n";
    String test = """
        apiVersion: caracal.run/v1
        kind: PolicyTest
        metadata: {name: t}
        spec:
          policySet: main
          cases:
            - name: c
              input: {request: {scopes: [read]}}
              expect: {decision: deny}
        """;
    var bundle = new run.caracal.policy.BundleCompiler().compile(List.of(
        new run.caracal.policy.source.SourceFile("a.yaml", broken + "---\n" + set + "---\n" + test)));

    TestReport report = new PolicyTestRunner().run(bundle, Fixture.NOW);

    assertEquals(1, report.failed());
    assertEquals(List.of("cannot run: policy set `main` includes policies with errors or missing: `broken`"),
        report.cases().get(0).failures());
  }

  @Test
  void run_coverage_countsCasesEachRuleHeldIn() {
    TestReport report = run("""
        - name: reader
          input: {resource: {id: "resource://api"}, request: {scopes: [read]}}
          expect: {decision: allow}
        - name: reader again
          input: {resource: {id: "resource://api"}, request: {scopes: [read]}}
          expect: {decision: allow}
        - name: writer bot
          input: {principal: {labels: [writer, bot]}, resource: {id: "resource://api"}, request: {scopes: [read, write]}}
          expect: {decision: deny}
        """);

    assertEquals(Map.of("p/reads", 3, "p/writers", 1, "p/also-writers", 0, "p/no-bots", 1, "p/never-held", 0),
        report.coverage());
    assertEquals(List.of("p/also-writers", "p/never-held"), report.unexercised());
  }

  @Test
  void run_unknownAllowAtIssue_countsAsCovered() {
    String policy = policy("q", rule("posts", "allow", "[write]", "request.method == 'POST'"));
    var bundle = Fixture.bundle(policy, """
        apiVersion: caracal.run/v1
        kind: PolicyTest
        metadata: {name: t}
        spec:
          policySet: main
          cases:
            - name: issue
              input: {resource: {id: "resource://api"}, request: {phase: issue, scopes: [write]}}
              expect: {decision: allow, rules: [q/posts]}
        """);

    TestReport report = new PolicyTestRunner().run(bundle, Fixture.NOW);

    assertTrue(report.passed());
    assertEquals(Map.of("q/posts", 1), report.coverage());
  }

  @Test
  void run_denyDeferredAtIssue_doesNotCountAsCovered() {
    String policy = policy("q", rule("writers", "allow", "[write]", null) + rule("gets", "deny", "[write]", "request.method == 'GET'"));
    var bundle = Fixture.bundle(policy, """
        apiVersion: caracal.run/v1
        kind: PolicyTest
        metadata: {name: t}
        spec:
          policySet: main
          cases:
            - name: issue
              input: {resource: {id: "resource://api"}, request: {phase: issue, scopes: [write]}}
              expect: {decision: allow, rules: [q/writers]}
        """);

    TestReport report = new PolicyTestRunner().run(bundle, Fixture.NOW);

    assertTrue(report.passed(), report.cases().get(0).failures().toString());
    assertEquals(Map.of("q/writers", 1, "q/gets", 0), report.coverage());
    assertEquals(List.of("q/gets"), report.unexercised());
  }
}
