package run.caracal.policy;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import run.caracal.policy.cel.CheckedExpression;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.cel.CheckedPolicy.CheckedRule;
import run.caracal.policy.cel.CheckedPolicy.CheckedVariable;
import run.caracal.policy.cel.ExpressionChecker;
import run.caracal.policy.cel.PolicyEnvironment;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostics;
import run.caracal.policy.model.CanonicalForm;
import run.caracal.policy.model.Document;
import run.caracal.policy.model.Policy;
import run.caracal.policy.model.PolicySet;
import run.caracal.policy.model.PolicyTest;
import run.caracal.policy.model.Resource;
import run.caracal.policy.model.Rule;
import run.caracal.policy.model.Variable;
import run.caracal.policy.parse.DocumentParser;
import run.caracal.policy.source.SourceFile;
import run.caracal.policy.yaml.ScalarText;
import run.caracal.policy.yaml.YamlReader;

/**
 * Reads policy files into a {@link PolicyBundle}: YAML, document structure, names and
 * references, and CEL type-checking of every variable and condition. Never throws on bad
 * input; every problem becomes a diagnostic. Thread-safe.
 */
public final class BundleCompiler {
  private final YamlReader reader = new YamlReader();
  private final DocumentParser parser = new DocumentParser();
  private final ExpressionChecker checker;
  private final PolicyEnvironment env;

  public BundleCompiler() {
    this(PolicyEnvironment.get());
  }

  public BundleCompiler(PolicyEnvironment env) {
    this.env = env;
    this.checker = new ExpressionChecker(env);
  }

  public PolicyBundle compile(List<SourceFile> files) {
    Diagnostics d = new Diagnostics();
    List<Document> documents = new ArrayList<>();
    for (SourceFile file : files) {
      YamlReader.Result read = reader.read(file);
      d.addAll(read.diagnostics());
      read.documents().forEach(node -> parser.parse(file, node, d).ifPresent(documents::add));
    }
    Map<String, Policy> policyDocs = new LinkedHashMap<>();
    Map<String, PolicySet> sets = new LinkedHashMap<>();
    Map<String, Resource> resources = new LinkedHashMap<>();
    Map<String, PolicyTest> tests = new LinkedHashMap<>();
    for (Document doc : documents) {
      if (doc instanceof Policy p) {
        putUnique(policyDocs, p.name(), p, p.metadata().name(), "policy", d);
      } else if (doc instanceof PolicySet s) {
        putUnique(sets, s.name(), s, s.metadata().name(), "policy set", d);
      } else if (doc instanceof PolicyTest t) {
        putUnique(tests, t.name(), t, t.metadata().name(), "policy test", d);
      } else if (doc instanceof Resource r && !r.id().value().isEmpty()) {
        putUnique(resources, r.id().value(), r, r.id(), "resource id", d);
      }
    }
    checkResourceNames(documents, d);
    for (PolicySet set : sets.values()) {
      Set<String> seen = new HashSet<>();
      for (ScalarText ref : set.policies()) {
        if (!policyDocs.containsKey(ref.value())) {
          d.add(ref.start(), Code.MISSING_REFERENCE, "policy set `" + set.name() + "` names unknown policy `" + ref.value() + "`");
        } else if (!seen.add(ref.value())) {
          d.add(ref.start(), Code.DUPLICATE_NAME, "policy `" + ref.value() + "` is listed twice");
        }
      }
    }
    for (PolicyTest test : tests.values()) {
      if (!test.policySet().value().isEmpty() && !sets.containsKey(test.policySet().value())) {
        d.add(test.policySet().start(), Code.MISSING_REFERENCE, "policy test `" + test.name() + "` names unknown policy set `" + test.policySet().value() + "`");
      }
    }
    Map<String, CheckedPolicy> checked = new LinkedHashMap<>();
    for (Policy policy : policyDocs.values()) {
      checkPolicy(policy, d).ifPresent(c -> checked.put(c.name(), c));
    }
    return new PolicyBundle(files, documents, checked, sets, resources, List.copyOf(tests.values()), d.sorted());
  }

  /** Type-checks one policy; empty when any of its expressions has an error. */
  public Optional<CheckedPolicy> checkPolicy(Policy policy, Diagnostics d) {
    boolean ok = true;
    Map<String, Variable> declared = new LinkedHashMap<>();
    for (Variable v : policy.variables()) {
      if (declared.putIfAbsent(v.name().value(), v) != null) {
        d.add(v.name().start(), Code.DUPLICATE_NAME, "variable `" + v.name().value() + "` is declared twice");
        ok = false;
      }
    }
    Map<String, CelAbstractSyntaxTree> parsed = new LinkedHashMap<>();
    for (Variable v : declared.values()) {
      Optional<CelAbstractSyntaxTree> ast = checker.parse(v.expression(), d);
      ast.ifPresent(a -> parsed.put(v.name().value(), a));
      ok &= ast.isPresent();
    }
    List<String> order = new ArrayList<>();
    ok &= orderVariables(declared, parsed, order, d);
    Map<String, CelType> types = new LinkedHashMap<>();
    declared.keySet().forEach(name -> types.put(name, SimpleType.DYN)); // a variable in error or a cycle is still declared
    Map<String, CheckedVariable> variables = new LinkedHashMap<>();
    for (String name : order) {
      Variable v = declared.get(name);
      Optional<CheckedExpression> expr = checker.check(parsed.get(name), v.expression(), env.compiler(types), false, d);
      if (expr.isEmpty()) {
        ok = false;
        types.put(name, SimpleType.DYN);
        continue;
      }
      types.put(name, expr.get().ast().getResultType());
      boolean requestTime = expr.get().readsRequestTime()
          || expr.get().variables().stream().anyMatch(dep -> variables.containsKey(dep) && variables.get(dep).requestTime());
      variables.put(name, new CheckedVariable(name, expr.get(), requestTime));
    }
    CelCompiler compiler = env.compiler(types);
    List<CheckedRule> rules = new ArrayList<>();
    Set<String> ruleNames = new HashSet<>();
    for (Rule rule : policy.rules()) {
      if (!ruleNames.add(rule.name().value())) {
        d.add(rule.name().start(), Code.DUPLICATE_NAME, "rule `" + rule.name().value() + "` appears twice in policy `" + policy.name() + "`");
        ok = false;
      }
      if (rule.when().isEmpty()) {
        rules.add(new CheckedRule(rule, Optional.empty(), false));
        continue;
      }
      Optional<CheckedExpression> cond = checker.parse(rule.when().get(), d)
          .flatMap(ast -> checker.check(ast, rule.when().get(), compiler, true, d));
      if (cond.isEmpty()) {
        ok = false;
        continue;
      }
      boolean requestTime = cond.get().readsRequestTime()
          || cond.get().variables().stream().anyMatch(v -> variables.containsKey(v) && variables.get(v).requestTime());
      rules.add(new CheckedRule(rule, cond, requestTime));
    }
    if (!ok || rules.size() != policy.rules().size()) {
      return Optional.empty();
    }
    return Optional.of(new CheckedPolicy(policy, CanonicalForm.sha256(policy.node()), List.copyOf(variables.values()), rules));
  }

  /** Orders variables so each comes after the ones it reads; reports cycles. */
  private static boolean orderVariables(
      Map<String, Variable> declared, Map<String, CelAbstractSyntaxTree> parsed, List<String> order, Diagnostics d) {
    Map<String, Integer> state = new HashMap<>();
    boolean ok = true;
    for (String name : parsed.keySet()) {
      ok &= visit(name, declared, parsed, state, order, new ArrayList<>(), d);
    }
    return ok;
  }

  private static boolean visit(String name, Map<String, Variable> declared, Map<String, CelAbstractSyntaxTree> parsed,
      Map<String, Integer> state, List<String> order, List<String> path, Diagnostics d) {
    Integer s = state.get(name);
    if (s != null) {
      if (s == 1) {
        List<String> cycle = new ArrayList<>(path.subList(path.indexOf(name), path.size()));
        cycle.add(name);
        d.add(declared.get(name).name().start(), Code.VARIABLE_CYCLE, "variables form a cycle: " + String.join(" -> ", cycle));
        return false;
      }
      return true;
    }
    if (!parsed.containsKey(name)) {
      return true;
    }
    state.put(name, 1);
    path.add(name);
    boolean ok = true;
    for (String dep : ExpressionChecker.variablesRead(parsed.get(name))) {
      if (declared.containsKey(dep)) {
        ok &= visit(dep, declared, parsed, state, order, path, d);
      }
    }
    path.remove(path.size() - 1);
    state.put(name, 2);
    order.add(name);
    return ok;
  }

  private static <T> void putUnique(Map<String, T> map, String key, T value, ScalarText at, String what, Diagnostics d) {
    if (map.putIfAbsent(key, value) != null) {
      d.add(at.start(), Code.DUPLICATE_NAME, what + " `" + key + "` is defined more than once");
    }
  }

  private static void checkResourceNames(List<Document> documents, Diagnostics d) {
    Map<String, Resource> byName = new HashMap<>();
    for (Document doc : documents) {
      if (doc instanceof Resource r && byName.putIfAbsent(r.name(), r) != null) {
        d.add(r.metadata().name().start(), Code.DUPLICATE_NAME, "resource `" + r.name() + "` is defined more than once");
      }
    }
  }
}
