package run.caracal.bench.engine;

import java.util.List;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.testing.LocalPolicySet;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.source.SourceFile;

/**
 * Generates a policy set of N policies over N resources: each policy targets its own resource by
 * exact id, every tenth also a `*` glob of its sub-resources, and one baseline policy applies a
 * `*`-scope deny to `resource://**`. Each policy has an allow rule with a condition over the
 * principal and the request, a variable-based allow, and a `*` deny for deep delegation.
 */
final class GeneratedPolicies {
  static final String SET = "generated";

  private GeneratedPolicies() {}

  static CompiledPolicySet compile(int policies) {
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < policies; i++) {
      yaml.append("""
          apiVersion: caracal.run/v1
          kind: Resource
          metadata: {name: svc-%1$d}
          spec: {id: "resource://svc-%1$d", scopes: [read, write, admin]}
          ---
          apiVersion: caracal.run/v1
          kind: Policy
          metadata: {name: p-%1$d}
          spec:
            resources: ["resource://svc-%1$d"%2$s]
            variables:
              amount: "request.body.amount"
            rules:
              - name: agents-read
                effect: allow
                scopes: [read]
                when: "'agents' in principal.labels && request.method == 'GET'"
              - name: small-writes
                effect: allow
                scopes: [write]
                when: "request.method == 'POST' && variables.amount < 100.0"
              - name: no-deep-delegation
                effect: deny
                scopes: ["*"]
                when: "delegation.depth > 3"
          ---
          """.formatted(i, i % 10 == 0 ? ", \"resource://svc-" + i + "/*\"" : ""));
    }
    yaml.append("""
        apiVersion: caracal.run/v1
        kind: Policy
        metadata: {name: baseline}
        spec:
          resources: ["resource://**"]
          rules:
            - name: no-expired-sessions
              effect: deny
              scopes: ["*"]
              when: "session.expires_at < now"
        ---
        apiVersion: caracal.run/v1
        kind: PolicySet
        metadata: {name: generated}
        spec:
          policies: [baseline""");
    for (int i = 0; i < policies; i++) {
      yaml.append(", p-").append(i);
    }
    yaml.append("]\n");
    PolicyBundle bundle = new BundleCompiler().compile(List.of(new SourceFile("generated.yaml", yaml.toString())));
    if (bundle.hasErrors()) {
      throw new IllegalStateException("generated policies do not compile: " + bundle.diagnostics().get(0));
    }
    return LocalPolicySet.compile(bundle, SET);
  }
}
