package run.caracal.policy.fmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.diag.Diagnostic;
import run.caracal.policy.model.CanonicalForm;
import run.caracal.policy.source.SourceFile;
import run.caracal.policy.yaml.YamlReader;

final class FormatterTest {
  private final Formatter formatter = new Formatter();

  private static final String SCRAMBLED = """
      # billing rules, owned by the payments team
      spec:
        rules:
          - when: "request.method == 'POST'"   # only creates
            reason: posts only
            scopes: ["billing:charge"]
            effect: allow
            name: charge
          # the refund rule
          - effect: deny
            name: no-refund
            scopes: ['billing:refund']
        variables:
          zeta: principal.name
          alpha: principal.zone
        resources: ["resource://billing-api"]
      metadata: {description: Agents may charge, name: billing}
      kind: Policy
      apiVersion: caracal.run/v1
      ---
      spec:
        cases:
          - expect: {reasons: [allowed_by_rule], decision: allow}
            input:
              request: {scopes: ['billing:charge'], method: POST}
              principal: {name: agent}
            name: charges
        policySet: production
      kind: PolicyTest
      metadata: {name: billing-tests}
      apiVersion: caracal.run/v1
      """;

  @Test
  void format_scrambledKeys_putsKeysInDocumentedOrder() {
    String out = format(SCRAMBLED);
    assertInOrder(out, "apiVersion:", "kind: Policy", "metadata:", "spec:");
    assertInOrder(out, "  name: billing", "  description: Agents may charge");
    assertInOrder(out, "  resources:", "  variables:", "  rules:");
    assertInOrder(out, "- name: charge", "effect: allow", "scopes:", "when:", "reason: posts only");
    assertInOrder(out, "kind: PolicyTest", "policySet: production", "cases:");
    assertInOrder(out, "- name: charges", "input:", "expect:");
    assertInOrder(out, "decision: allow", "reasons:");
  }

  @Test
  void format_userKeyedMappings_keepTheirOrder() {
    String out = format(SCRAMBLED);
    assertInOrder(out, "zeta: principal.name", "alpha: principal.zone");
    assertInOrder(out, "request:", "principal:");
  }

  @Test
  void format_mcpResource_ordersItsKeysButKeepsTheInputSchemaAsWritten() {
    String out = format("""
        kind: Resource
        apiVersion: caracal.run/v1
        metadata: {name: files}
        spec:
          mask_arguments: [content]
          tools:
            - input_schema: {type: object, required: [path], properties: {path: {type: string}}}
              scope: files:read
              name: read_file
          protocol: mcp
          scopes: [files:read]
          id: resource://files
        """);

    assertInOrder(out, "  id: resource://files", "  scopes:", "  protocol: mcp", "  tools:", "  mask_arguments:");
    assertInOrder(out, "- name: read_file", "scope: files:read", "input_schema:");
    assertInOrder(out, "type: object", "required: [path]", "properties:");
    assertEquals(out, format(out));
  }

  @Test
  void format_comments_areKept() {
    String out = format(SCRAMBLED);
    for (String comment : List.of("# billing rules, owned by the payments team", "# only creates", "# the refund rule")) {
      assertTrue(out.contains(comment), "comment `" + comment + "` lost:\n" + out);
    }
    assertInOrder(out, "# billing rules", "apiVersion:", "- name: charge", "# the refund rule", "name: no-refund", "effect: deny");
  }

  @Test
  void format_commentAfterBlockScalar_staysWithItsKeyAndIsStable() {
    String source = """
        apiVersion: caracal.run/v1
        kind: Policy
        metadata: {name: p}
        spec:
          resources: ["resource://x"]
          rules:
            - name: r
              effect: allow
              scopes: [s]
              when: |-
                principal.name == 'a' &&
                  request.method == 'GET'
              # why this rule exists
              reason: because
        """;
    String once = format(source);
    assertTrue(once.contains("\n      # why this rule exists\n      reason: because"), once);
    assertTrue(once.contains("\n        principal.name == 'a' &&\n          request.method == 'GET'\n"), once);
    assertEquals(once, format(once));
  }

  @Test
  void format_twice_isIdempotent() {
    String once = format(SCRAMBLED);
    assertEquals(once, format(once));
  }

  @Test
  void format_scrambledDocument_keepsCanonicalFormAndCompilesTheSame() {
    String out = format(SCRAMBLED);
    assertEquals(canonical(SCRAMBLED), canonical(out));
    assertEquals(messages(SCRAMBLED), messages(out));
  }

  @Test
  void format_multiLineCondition_becomesLiteralBlockWithSameValue() {
    String in = """
        apiVersion: caracal.run/v1
        kind: Policy
        metadata: {name: p}
        spec:
          resources: ["resource://api"]
          rules:
            - name: r
              effect: allow
              scopes: [read]
              when: "principal.name == 'a' &&\\n  principal.zone == 'eu'"
        """;
    String out = format(in);
    assertTrue(out.contains("when: |"), out);
    assertEquals(canonical(in), canonical(out));
  }

  @Test
  void format_approvalBlock_putsItAfterReasonInDocumentedOrder() {
    String in = """
        apiVersion: caracal.run/v1
        kind: Policy
        metadata: {name: p}
        spec:
          resources: ["resource://api"]
          rules:
            - approval:
                approvers: [finance, security]
                reuse: until_expiry
                ttl: 1h
              reason: a person looks first
              scopes: [write]
              effect: require_approval
              name: writes
        """;
    String out = format(in);
    assertInOrder(out, "- name: writes", "effect: require_approval", "scopes: [write]", "reason: a person looks first",
        "approval:", "ttl: 1h", "reuse: until_expiry", "approvers: [finance, security]");
    assertEquals(out, format(out));
    assertEquals(canonical(in), canonical(out));
    assertEquals(messages(in), messages(out));
  }

  @Test
  void format_invalidYaml_isEmpty() {
    assertTrue(formatter.format(new SourceFile("bad.yaml", "metadata: {name: p\nspec:\n")).isEmpty());
  }

  @Test
  void format_emptyFile_staysEmpty() {
    assertEquals("", format(""));
  }

  static Stream<Path> policyFiles() throws IOException {
    Path corpus;
    try {
      corpus = Path.of(FormatterTest.class.getResource("/lint-corpus").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    Path examples = Path.of("..", "examples", "policies");
    List<Path> roots = Files.isDirectory(examples) ? List.of(corpus, examples) : List.of(corpus);
    return roots.stream().flatMap(root -> {
      try (Stream<Path> walk = Files.walk(root)) {
        return walk.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** Every corpus and example file that is valid YAML formats idempotently, keeping its canonical form. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("policyFiles")
  void format_policyFile_isIdempotentAndKeepsCanonicalForm(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    var once = formatter.format(new SourceFile(file.toString(), text));
    if (once.isEmpty()) {
      assertTrue(new YamlReader().read(new SourceFile("f.yaml", text)).diagnostics().stream()
          .anyMatch(d -> d.code().id().equals("yaml_syntax")), "only invalid YAML may be left unformatted");
      return;
    }
    assertEquals(once.get(), format(once.get()), "formatting twice changed " + file);
    assertEquals(canonical(text), canonical(once.get()), "canonical form changed for " + file);
  }

  private String format(String text) {
    return formatter.format(new SourceFile("f.yaml", text)).orElseThrow();
  }

  /** sha256 of each document's canonical form, in order. */
  private static List<String> canonical(String text) {
    return new YamlReader().read(new SourceFile("f.yaml", text)).documents().stream().map(CanonicalForm::sha256).toList();
  }

  /** The codes and messages of compiling {@code text} (positions change with layout). */
  private static List<String> messages(String text) {
    PolicyBundle bundle = new BundleCompiler().compile(List.of(new SourceFile("f.yaml", text)));
    return bundle.diagnostics().stream().map(Diagnostic::message).sorted().toList();
  }

  private static void assertInOrder(String text, String... parts) {
    int from = 0;
    for (String part : parts) {
      int at = text.indexOf(part, from);
      assertTrue(at >= 0, "`" + part + "` missing or out of order in:\n" + text);
      from = at + part.length();
    }
  }
}
