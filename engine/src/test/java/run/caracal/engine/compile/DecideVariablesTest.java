package run.caracal.engine.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.engine.Fixture.compile;
import static run.caracal.engine.Fixture.evaluated;
import static run.caracal.engine.Fixture.input;
import static run.caracal.engine.Fixture.policy;
import static run.caracal.engine.Fixture.reasons;
import static run.caracal.engine.Fixture.request;
import static run.caracal.engine.Fixture.rule;
import static run.caracal.engine.Fixture.rules;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.RuleEvaluation.Outcome;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.cel.PolicyEnvironment;
import run.caracal.policy.model.Verdict;
import dev.cel.runtime.CelRuntime;
import run.caracal.engine.Fixture;

/** Policy variables: read as `variables.NAME`, evaluated lazily, at most once per decision. */
final class DecideVariablesTest {
  @Test
  void decide_variableReadingVariable_evaluatesTheChain() {
    CompiledPolicySet set = compile(policy("p", "[\"resource://api\"]",
        "isOps: \"'ops' in variables.labels\"\nlabels: principal.labels\n",
        rule("ops-reads", "allow", "[read]", "variables.isOps")));

    Decision ops = set.decide(input("{principal: {labels: [ops]}, resource: {id: 'resource://api'}, request: {scopes: [read]}}"));
    Decision dev = set.decide(input("{principal: {labels: [dev]}, resource: {id: 'resource://api'}, request: {scopes: [read]}}"));

    assertEquals(Verdict.ALLOW, ops.verdict(), ops.errors().toString());
    assertEquals(Verdict.DENY, dev.verdict());
  }

  @Test
  void decide_variableErrors_allowReadingItIsNotSatisfiedAndDenyHolds() {
    CompiledPolicySet set = compile(policy("p", "[\"resource://api\"]",
        "team: principal.attributes['team']\n",
        rule("team-reads", "allow", "[read]", "variables.team == 'ops'")
            + rule("writers", "allow", "[write]", null)
            + rule("no-guests", "deny", "[write]", "variables.team == 'guest'")));

    Decision read = set.decide(request("[read]"));
    Decision write = set.decide(request("[write]"));

    assertEquals(Verdict.DENY, read.verdict());
    assertEquals(List.of("condition_error", "no_matching_rule"), reasons(read));
    assertTrue(read.errors().get(0).message().contains("variable `team`"), read.errors().toString());
    assertEquals(Verdict.DENY, write.verdict());
    assertEquals(List.of("p/no-guests@write"), rules(write));
    assertEquals(Outcome.ERROR, evaluated(write, "p/no-guests").outcome());
  }

  @Test
  void decide_erroringVariableNobodyReads_causesNoError() {
    CompiledPolicySet set = compile(policy("p", "[\"resource://api\"]",
        "team: principal.attributes['team']\n",
        rule("reads", "allow", "[read]", "principal.id == ''")
            + rule("team-writes", "allow", "[write]", "variables.team == 'ops'")));

    Decision d = set.decide(request("[read]"));

    assertEquals(Verdict.ALLOW, d.verdict());
    assertEquals(List.of(), d.errors(), "a variable only a rule for another scope reads is never evaluated");
  }

  @Test
  void decide_variableShortCircuited_isNotEvaluated() {
    CompiledPolicySet set = compile(policy("p", "[\"resource://api\"]",
        "team: principal.attributes['team']\n",
        rule("reads", "allow", "[read]", "principal.id == '' || variables.team == 'ops'")));

    Decision d = set.decide(request("[read]"));

    assertEquals(Verdict.ALLOW, d.verdict());
    assertEquals(List.of(), d.errors());
  }

  @Test
  void evaluation_variableReadByTwoRules_isEvaluatedOnce() throws Exception {
    PolicyBundle bundle = Fixture.bundle(policy("p", "[\"resource://api\"]",
        "name: principal.name\nunused: principal.zone\n",
        rule("a", "allow", "[read]", "variables.name == 'x'") + rule("b", "allow", "[read]", "variables.name != 'y'")));
    CheckedPolicy checked = bundle.policies().get("p");
    CelRuntime runtime = PolicyEnvironment.get().newRuntime();
    Map<String, AtomicInteger> evals = new HashMap<>();
    Map<String, CelRuntime.Program> variables = new HashMap<>();
    for (CheckedPolicy.CheckedVariable v : checked.variables()) {
      AtomicInteger count = new AtomicInteger();
      evals.put(v.name(), count);
      variables.put(v.name(), counting(runtime.createProgram(v.expression().ast()), count));
    }
    CompiledPolicy policy = new CompiledPolicy("p", 0, List.of(), variables, List.of(), List.of());
    List<CompiledRule> rules = checked.rules().stream()
        .map(r -> new CompiledRule(policy, r.name(), r.rule().effect(), java.util.Set.of("read"), false,
            program(runtime, r), "", 0, null))
        .toList();
    Evaluation evaluation = new Evaluation(Fixture.input("{principal: {name: x}}"), false);

    assertEquals(Outcome.TRUE, evaluation.outcome(rules.get(0)).outcome());
    assertEquals(Outcome.TRUE, evaluation.outcome(rules.get(1)).outcome());
    assertEquals(Outcome.TRUE, evaluation.outcome(rules.get(1)).outcome());

    assertEquals(1, evals.get("name").get(), "memoized within one decision");
    assertEquals(0, evals.get("unused").get(), "lazy: never read, never evaluated");
    new Evaluation(Fixture.input("{principal: {name: x}}"), false).outcome(rules.get(0));
    assertEquals(2, evals.get("name").get(), "a new decision evaluates again");
  }

  private static CelRuntime.Program program(CelRuntime runtime, CheckedPolicy.CheckedRule rule) {
    try {
      return runtime.createProgram(rule.condition().orElseThrow().ast());
    } catch (dev.cel.runtime.CelEvaluationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A program that counts its evaluations. */
  private static CelRuntime.Program counting(CelRuntime.Program program, AtomicInteger count) {
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getName().equals("eval")) {
        count.incrementAndGet();
      }
      try {
        return method.invoke(program, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    };
    return (CelRuntime.Program) Proxy.newProxyInstance(
        CelRuntime.Program.class.getClassLoader(), new Class<?>[] {CelRuntime.Program.class}, handler);
  }
}
