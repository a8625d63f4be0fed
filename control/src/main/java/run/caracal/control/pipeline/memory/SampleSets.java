package run.caracal.control.pipeline.memory;

import java.util.List;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.testing.LocalPolicySet;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.source.SourceFile;

/**
 * Policy sets for tests and benchmarks of the pipeline and its callers: one resource
 * `resource://api` declaring `read` and `write`, one policy `p` on it with the given rules, and
 * a set of that policy. Stateless.
 */
public final class SampleSets {
  /** The resource every sample set is written for. */
  public static final String RESOURCE = """
      apiVersion: caracal.run/v1
      kind: Resource
      metadata: {name: api}
      spec: {id: "resource://api", scopes: [read, write]}
      """;

  private SampleSets() {}

  /**
   * A compiled set named {@code name} of policy `p` with these rules (YAML list items).
   *
   * @throws IllegalArgumentException when the rules do not compile, naming the diagnostics
   */
  public static CompiledPolicySet set(String name, String rules) {
    PolicyBundle bundle = new BundleCompiler().compile(List.of(new SourceFile("resource.yaml", RESOURCE),
        new SourceFile("p.yaml", policy(name, rules))));
    if (bundle.hasErrors()) {
      throw new IllegalArgumentException("sample set does not compile: " + bundle.diagnostics());
    }
    return LocalPolicySet.compile(bundle, name);
  }

  /** The policy and set documents of {@link #set}, as YAML. */
  public static String policy(String name, String rules) {
    return """
        apiVersion: caracal.run/v1
        kind: Policy
        metadata: {name: p}
        spec:
          resources: ["resource://api"]
          rules:
        %s
        ---
        apiVersion: caracal.run/v1
        kind: PolicySet
        metadata: {name: %s}
        spec: {policies: [p]}
        """.formatted(rules.strip().indent(4).stripTrailing(), name);
  }
}
