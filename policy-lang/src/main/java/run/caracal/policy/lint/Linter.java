package run.caracal.policy.lint;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.cel.ExpressionChecker;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostics;
import run.caracal.policy.model.Document;
import run.caracal.policy.model.Effect;
import run.caracal.policy.model.Policy;
import run.caracal.policy.model.PolicyTest;
import run.caracal.policy.model.Resource;
import run.caracal.policy.model.ResourceGlob;
import run.caracal.policy.model.Rule;
import run.caracal.policy.source.SourceFile;
import run.caracal.policy.testing.InputParser;
import run.caracal.policy.yaml.MapView;
import run.caracal.policy.yaml.ScalarText;

/**
 * The heuristic checks of `caracal policy lint`, run on a compiled bundle: unknown scopes,
 * unreachable rules, constant conditions, allow-everything rules, unused variables, untested
 * policies, resource patterns that match nothing and MCP tool arguments that the tools' input
 * schemas do not declare. All findings are warnings. Stateless.
 */
public final class Linter {
  /** The bundle with the lint warnings added. */
  public PolicyBundle lint(PolicyBundle bundle) {
    Diagnostics d = new Diagnostics();
    List<Resource> resources = bundle.documents().stream()
        .filter(Resource.class::isInstance).map(Resource.class::cast).toList();
    Set<String> declaredScopes = new HashSet<>();
    resources.forEach(r -> declaredScopes.addAll(r.scopeValues()));
    Set<String> tested = testedPolicies(bundle);
    for (Document doc : bundle.documents()) {
      if (!(doc instanceof Policy policy)) {
        continue;
      }
      for (Rule rule : policy.rules()) {
        for (ScalarText scope : rule.scopes()) {
          if (!scope.value().equals(Rule.ANY_SCOPE) && !declaredScopes.contains(scope.value())) {
            d.add(scope.start(), Code.UNKNOWN_SCOPE, "scope `" + scope.value() + "` is not declared by any Resource document");
          }
        }
        if (rule.effect() == Effect.ALLOW && rule.appliesToEveryScope() && rule.when().isEmpty()) {
          d.add(rule.name().start(), Code.ALLOW_EVERYTHING, "rule `" + rule.name().value() + "` allows every scope with no condition");
        }
      }
      unreachable(policy, d);
      if (!resources.isEmpty()) {
        for (ScalarText pattern : policy.resources()) {
          if (resources.stream().noneMatch(r -> ResourceGlob.of(pattern.value()).matches(r.id().value()))) {
            d.add(pattern.start(), Code.NO_RESOURCE_MATCH, "`" + pattern.value() + "` matches no Resource document");
          }
        }
      }
      if (!tested.contains(policy.name())) {
        d.add(policy.metadata().name().start(), Code.UNTESTED_POLICY,
            "policy `" + policy.name() + "` is in no policy set that a PolicyTest covers");
      }
      Optional.ofNullable(bundle.policies().get(policy.name())).ifPresent(checked -> {
        checkExpressions(checked, d);
        checked.rules().forEach(rule -> ToolArguments.check(checked, rule, resources, d));
      });
    }
    checkTests(bundle, d);
    return bundle.withDiagnostics(d.sorted());
  }

  /** Test inputs must match the input types; expected rules must name rules of the tested set. */
  private static void checkTests(PolicyBundle bundle, Diagnostics d) {
    InputParser parser = new InputParser();
    for (PolicyTest test : bundle.tests()) {
      Optional<SourceFile> file = bundle.files().stream().filter(f -> f.name().equals(test.position().file())).findFirst();
      Set<String> rules = new HashSet<>();
      bundle.set(test.policySet().value()).ifPresent(set -> set.policies().forEach(p -> {
        CheckedPolicy policy = bundle.policies().get(p.value());
        if (policy != null) {
          policy.rules().forEach(r -> rules.add(policy.name() + "/" + r.name()));
        }
      }));
      for (PolicyTest.Case c : test.cases()) {
        try {
          parser.fromYaml(c.input());
        } catch (InputParser.InvalidInputException e) {
          var at = e.node().flatMap(n -> file.map(f -> MapView.positionOf(f, n))).orElse(c.inputPosition());
          d.add(at, Code.INVALID_TEST_INPUT, "case `" + c.name().value() + "`: " + e.getMessage());
        }
        boolean setChecked = bundle.set(test.policySet().value()).map(s -> s.policies().stream()
            .allMatch(p -> bundle.policies().containsKey(p.value()))).orElse(false);
        if (setChecked) {
          c.rules().ifPresent(expected -> expected.stream().filter(r -> !rules.contains(r.value())).forEach(r ->
              d.add(r.start(), Code.MISSING_REFERENCE, "expected rule `" + r.value() + "` is not a `policy/rule` of policy set `"
                  + test.policySet().value() + "`")));
        }
      }
    }
  }

  private static void checkExpressions(CheckedPolicy policy, Diagnostics d) {
    Set<String> used = new HashSet<>();
    for (CheckedPolicy.CheckedRule rule : policy.rules()) {
      rule.condition().ifPresent(c -> {
        used.addAll(c.variables());
        if (!c.readsInput()) {
          d.add(c.source().start(), Code.CONSTANT_CONDITION,
              "condition of rule `" + rule.name() + "` reads no input, so it never changes");
        }
      });
    }
    policy.variables().forEach(v -> used.addAll(ExpressionChecker.variablesRead(v.expression().ast())));
    for (var v : policy.policy().variables()) {
      if (!used.contains(v.name().value())) {
        d.add(v.name().start(), Code.UNUSED_VARIABLE, "variable `" + v.name().value() + "` is never used");
      }
    }
  }

  /** Rules an unconditional deny covers, and rules an earlier equivalent rule already decides. */
  private static void unreachable(Policy policy, Diagnostics d) {
    List<Rule> rules = policy.rules();
    for (int i = 0; i < rules.size(); i++) {
      Rule rule = rules.get(i);
      for (int j = 0; j < rules.size(); j++) {
        Rule other = rules.get(j);
        if (i == j || !covers(other, rule)) {
          continue;
        }
        if (rule.effect() != Effect.DENY && other.effect() == Effect.DENY && other.when().isEmpty()) {
          d.add(rule.name().start(), Code.UNREACHABLE_RULE, "rule `" + rule.name().value()
              + (rule.effect() == Effect.ALLOW ? "` never allows" : "` never asks for approval")
              + ": unconditional deny rule `" + other.name().value() + "` covers its scopes");
          break;
        }
        boolean sameCondition = other.when().isEmpty()
            || (rule.when().isPresent() && other.when().get().value().strip().equals(rule.when().get().value().strip()));
        if (j < i && other.effect() == rule.effect() && other.approval().equals(rule.approval()) && sameCondition) {
          d.add(rule.name().start(), Code.UNREACHABLE_RULE,
              "rule `" + rule.name().value() + "` adds nothing: earlier rule `" + other.name().value() + "` has the same effect on its scopes"
                  + (other.when().isEmpty() ? " with no condition" : " with the same condition"));
          break;
        }
      }
    }
  }

  private static boolean covers(Rule wide, Rule narrow) {
    if (wide.appliesToEveryScope()) {
      return true;
    }
    if (narrow.appliesToEveryScope()) {
      return false;
    }
    Set<String> scopes = new HashSet<>();
    wide.scopes().forEach(s -> scopes.add(s.value()));
    return narrow.scopes().stream().allMatch(s -> scopes.contains(s.value()));
  }

  private static Set<String> testedPolicies(PolicyBundle bundle) {
    Set<String> tested = new HashSet<>();
    for (PolicyTest test : bundle.tests()) {
      bundle.set(test.policySet().value()).ifPresent(s -> s.policies().forEach(p -> tested.add(p.value())));
    }
    return tested;
  }
}
