package run.caracal.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.diag.Diagnostic;
import run.caracal.policy.lint.Linter;
import run.caracal.policy.model.Approval;
import run.caracal.policy.model.Effect;
import run.caracal.policy.model.Rule;
import run.caracal.policy.source.SourceFile;

final class BundleCompilerTest {
  private static final String POLICY = """
      # charges
      apiVersion: caracal.run/v1
      kind: Policy
      metadata: {name: billing, description: small charges}
      spec:
        resources: ["resource://billing-api", "resource://billing-*/v1"]
        variables:
          amount: int(request.body.amount)
          small: variables.amount <= 5000
        rules:
          - name: small-charges
            effect: allow
            scopes: ["billing:charge"]
            when: "request.method == 'POST' && variables.small"
          - name: reads
            effect: allow
            scopes: ["billing:read"]
            when: "'reader' in principal.labels"
          - name: no-delegated-refunds
            effect: deny
            scopes: ["billing:refund"]
            when: delegation.depth > 0
            reason: delegated agents may not refund
          - name: everything-for-admins
            effect: allow
            scopes: ['*']
      ---
      apiVersion: caracal.run/v1
      kind: PolicySet
      metadata: {name: production}
      spec: {policies: [billing]}
      """;

  private static PolicyBundle compile(String... texts) {
    List<SourceFile> files = new java.util.ArrayList<>();
    for (int i = 0; i < texts.length; i++) {
      files.add(new SourceFile("f" + i + ".yaml", texts[i]));
    }
    return new BundleCompiler().compile(files);
  }

  @Test
  void compile_validPolicy_checksEveryRuleAndVariable() {
    PolicyBundle bundle = compile(POLICY);

    assertFalse(bundle.hasErrors(), bundle.diagnostics().toString());
    CheckedPolicy billing = bundle.policies().get("billing");
    assertEquals(List.of("amount", "small"), billing.variables().stream().map(CheckedPolicy.CheckedVariable::name).toList());
    Map<String, CheckedPolicy.CheckedRule> rules = billing.rules().stream()
        .collect(Collectors.toMap(CheckedPolicy.CheckedRule::name, Function.identity()));
    assertTrue(rules.get("small-charges").requestTime(), "reads request.method and a request-time variable");
    assertFalse(rules.get("reads").requestTime());
    assertFalse(rules.get("no-delegated-refunds").requestTime());
    assertTrue(rules.get("everything-for-admins").condition().isEmpty());
    assertEquals(64, billing.sha256().length());
  }

  @Test
  void compile_requireApprovalRules_carryTheirSettingsOrTheDefaults() {
    String policy = """
        apiVersion: caracal.run/v1
        kind: Policy
        metadata: {name: p}
        spec:
          resources: ["resource://api"]
          rules:
            - name: reads
              effect: allow
              scopes: [read]
              when: principal.name != ''
            - name: ask
              effect: require_approval
              scopes: [read]
              when: principal.name == 'x'
              approval: {ttl: 1h30m, reuse: until_expiry, approvers: [finance, ops]}
            - name: ask-briefly
              effect: require_approval
              scopes: [read]
              when: principal.name == 'y'
              approval: {ttl: 90s}
            - name: ask-by-default
              effect: require_approval
              scopes: [read]
        """;
    PolicyBundle bundle = compile(policy);

    assertFalse(bundle.hasErrors(), bundle.diagnostics()::toString);
    Map<String, Rule> rules = bundle.policies().get("p").policy().rules().stream()
        .collect(Collectors.toMap(r -> r.name().value(), Function.identity()));
    assertEquals(Optional.empty(), rules.get("reads").approval());
    assertEquals(new Approval(Duration.ofMinutes(90), Approval.Reuse.UNTIL_EXPIRY, List.of("finance", "ops")),
        rules.get("ask").approval().orElseThrow());
    assertEquals(new Approval(Duration.ofSeconds(90), Approval.Reuse.ONCE, List.of()), rules.get("ask-briefly").approval().orElseThrow());
    assertEquals(Approval.DEFAULT, rules.get("ask-by-default").approval().orElseThrow());
    assertEquals(Effect.REQUIRE_APPROVAL, rules.get("ask-by-default").effect());
  }

  @Test
  void compile_requestTimeOnlyThroughVariable_isMarkedRequestTime() {
    String policy = POLICY.replace("\"request.method == 'POST' && variables.small\"", "variables.small");

    CheckedPolicy billing = compile(policy).policies().get("billing");

    assertTrue(billing.rules().get(0).requestTime());
    assertTrue(billing.variables().stream().allMatch(CheckedPolicy.CheckedVariable::requestTime));
  }

  @Test
  void compile_policyWithAnError_isLeftOutButOthersAreChecked() {
    String broken = POLICY.replace("delegation.depth > 0", "delegation.dept > 0");
    String other = """
        apiVersion: caracal.run/v1
        kind: Policy
        metadata: {name: other}
        spec:
          resources: ["resource://other"]
          rules: [{name: r, effect: allow, scopes: [read]}]
        """;

    PolicyBundle bundle = compile(broken, other);

    assertTrue(bundle.hasErrors());
    assertEquals(List.of("other"), List.copyOf(bundle.policies().keySet()));
    assertEquals(1, bundle.documents().stream().filter(d -> d.name().equals("billing")).count(), "the document is still read");
  }

  @Test
  void compile_diagnostics_areSortedByFileLineAndColumn() {
    PolicyBundle bundle = new Linter().lint(compile(
        POLICY.replace("principal.labels", "principal.lables").replace("delegation.depth", "delegation.dept"),
        "apiVersion: caracal.run/v1\nkind: Polcy\n"));

    List<Diagnostic> diagnostics = bundle.diagnostics();
    assertTrue(diagnostics.size() >= 4, diagnostics.toString());
    assertEquals(diagnostics.stream().sorted().toList(), diagnostics);
    assertEquals("f0.yaml", diagnostics.get(0).position().file());
    assertEquals("f1.yaml", diagnostics.get(diagnostics.size() - 1).position().file());
  }

  @Test
  void canonicalHash_ignoresLayoutCommentsAndQuoting_changesWithContent() {
    String relaid = POLICY
        .replace("# charges\n", "")
        .replace("metadata: {name: billing, description: small charges}", "metadata:\n  description: 'small charges'\n  name: \"billing\"")
        .replace("when: delegation.depth > 0", "when: \"delegation.depth > 0\"   # no refunds for children");
    String changed = POLICY.replace("<= 5000", "<= 5001");
    assertNotEquals(POLICY, relaid);
    assertTrue(relaid.contains("name: \"billing\"") && !relaid.contains("# charges"), relaid);

    String hash = compile(POLICY).policies().get("billing").sha256();

    assertEquals(hash, compile(relaid).policies().get("billing").sha256());
    assertNotEquals(hash, compile(changed).policies().get("billing").sha256());
    assertNotEquals(hash, compile(POLICY.replace("reason: delegated agents may not refund", "reason: no")).policies().get("billing").sha256(),
        "every field is content, the reason too");
  }

  /** Every truncation of a valid file is bad input: diagnostics, never an exception or a hang. */
  @Test
  void compile_everyPrefixOfAValidFile_neverThrows() {
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      for (int end = 0; end <= POLICY.length(); end += 3) {
        String prefix = POLICY.substring(0, end);
        PolicyBundle bundle = new Linter().lint(compile(prefix));
        assertTrue(bundle.diagnostics().stream().allMatch(d -> d.position().line() >= 1 && d.position().column() >= 1),
            () -> "bad position for prefix " + prefix.length());
      }
    });
  }

  @Test
  void compile_variableUsedBeforeItIsDeclared_isFine() {
    String policy = POLICY.replace("          amount: int(request.body.amount)\n          small: variables.amount <= 5000\n",
        "          small: variables.amount <= 5000\n          amount: int(request.body.amount)\n");

    PolicyBundle bundle = compile(policy);

    assertFalse(bundle.hasErrors(), bundle.diagnostics().toString());
    assertEquals(List.of("amount", "small"),
        bundle.policies().get("billing").variables().stream().map(CheckedPolicy.CheckedVariable::name).toList(),
        "variables are evaluated after the ones they read");
  }
}
