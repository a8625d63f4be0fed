package run.caracal.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.ReasonCode;
import run.caracal.engine.decision.RuleEvaluation;
import run.caracal.engine.decision.RuleRef;
import run.caracal.engine.testing.InputReader;
import run.caracal.engine.testing.LocalPolicySet;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.model.Policy;
import run.caracal.policy.source.SourceFile;
import run.caracal.policy.yaml.YamlReader;

/**
 * Small inline policy bundles for engine tests: YAML in, a compiled set `main` of every policy
 * out, with a registered resource `resource://api` declaring `read`, `write`, `admin` and
 * `delete`. Inputs are written as YAML flow mappings.
 */
public final class Fixture {
  /** The clock every test input uses unless it gives `now`. */
  public static final Instant NOW = Instant.parse("2026-03-02T10:15:30Z");

  public static final String API = """
      apiVersion: caracal.run/v1
      kind: Resource
      metadata: {name: api}
      spec:
        id: resource://api
        scopes: [read, write, admin, delete]
      """;

  private Fixture() {}

  /** A policy named {@code name} on {@code resource://api} with these rules (YAML list items). */
  public static String policy(String name, String rules) {
    return policy(name, "[\"resource://api\"]", "", rules);
  }

  /** A policy with resource patterns (a flow list), variables (YAML map lines, may be empty) and rules. */
  public static String policy(String name, String resources, String variables, String rules) {
    return "apiVersion: caracal.run/v1\nkind: Policy\nmetadata: {name: " + name + "}\nspec:\n"
        + "  resources: " + resources + "\n"
        + (variables.isBlank() ? "" : "  variables:\n" + indent(variables, 4))
        + "  rules:\n" + indent(rules, 4);
  }

  /** One rule as a YAML list item; {@code when} may be null for an unconditional rule. */
  public static String rule(String name, String effect, String scopes, String when) {
    return "- name: " + name + "\n  effect: " + effect + "\n  scopes: " + scopes + "\n"
        + (when == null ? "" : "  when: " + yamlString(when) + "\n");
  }

  /** Compiles the documents (plus the `api` resource) and a set `main` of every policy in them. */
  public static CompiledPolicySet compile(String... documents) {
    return LocalPolicySet.compile(bundle(documents), "main");
  }

  /** The checked bundle of the documents, the `api` resource and set `main`; fails on errors. */
  public static PolicyBundle bundle(String... documents) {
    List<SourceFile> files = new ArrayList<>();
    files.add(new SourceFile("api.yaml", API));
    for (int i = 0; i < documents.length; i++) {
      files.add(new SourceFile("doc" + i + ".yaml", documents[i]));
    }
    PolicyBundle bundle = new BundleCompiler().compile(files);
    if (bundle.sets().isEmpty()) {
      String names = bundle.documents().stream().filter(Policy.class::isInstance).map(d -> d.name())
          .collect(Collectors.joining(", "));
      files.add(new SourceFile("set.yaml",
          "apiVersion: caracal.run/v1\nkind: PolicySet\nmetadata: {name: main}\nspec: {policies: [" + names + "]}\n"));
      bundle = new BundleCompiler().compile(files);
    }
    PolicyBundle compiled = bundle;
    assertFalse(compiled.hasErrors(), () -> "fixture does not compile: " + compiled.diagnostics());
    return compiled;
  }


  /** A decision input written as YAML (usually a flow mapping), with {@link #NOW} as the clock. */
  public static DecisionInput input(String yaml) {
    try {
      return new InputReader().fromYaml(new YamlReader().read(new SourceFile("input.yaml", yaml)).documents().get(0), NOW);
    } catch (InputReader.InvalidInputException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** An input for {@code resource://api} asking for {@code scopes} (a flow list) at phase `request`. */
  public static DecisionInput request(String scopes) {
    return input("{resource: {id: 'resource://api'}, request: {phase: request, scopes: " + scopes + "}}");
  }

  /** Determining rules as `policy/rule@scope`, in decision order. */
  public static List<String> rules(Decision d) {
    return d.rules().stream().map(r -> r.qualifiedName() + "@" + r.scope()).toList();
  }

  /** Determining rules as `policy/rule`, without duplicates, sorted. */
  public static List<String> ruleNames(Decision d) {
    return d.rules().stream().map(RuleRef::qualifiedName).distinct().sorted().toList();
  }

  public static List<String> reasons(Decision d) {
    return d.reasons().stream().map(ReasonCode::id).toList();
  }

  /** The outcome of one evaluated rule, by `policy/rule`. */
  public static RuleEvaluation evaluated(Decision d, String qualifiedName) {
    return d.evaluated().stream().filter(e -> e.qualifiedName().equals(qualifiedName)).findFirst()
        .orElseThrow(() -> new AssertionError(qualifiedName + " was not evaluated: " + d.evaluated()));
  }

  private static String indent(String text, int spaces) {
    String pad = " ".repeat(spaces);
    return text.lines().map(l -> l.isEmpty() ? l : pad + l).collect(Collectors.joining("\n", "", "\n"));
  }

  private static String yamlString(String cel) {
    return "\"" + cel.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
