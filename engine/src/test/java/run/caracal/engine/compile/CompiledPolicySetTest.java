package run.caracal.engine.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.engine.Fixture.compile;
import static run.caracal.engine.Fixture.evaluated;
import static run.caracal.engine.Fixture.input;
import static run.caracal.engine.Fixture.policy;
import static run.caracal.engine.Fixture.reasons;
import static run.caracal.engine.Fixture.request;
import static run.caracal.engine.Fixture.rule;
import static run.caracal.engine.Fixture.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import run.caracal.engine.Fixture;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.DecisionJson;
import run.caracal.engine.decision.RuleEvaluation.Outcome;
import run.caracal.engine.testing.LocalPolicySet;
import run.caracal.policy.model.Verdict;

/** Compiling a set: resource globs, the manifest hash, sharing between threads, size and cost limits. */
final class CompiledPolicySetTest {
  private static final String RESOURCES = """
      apiVersion: caracal.run/v1
      kind: Resource
      metadata: {name: files-eu}
      spec: {id: "resource://files-eu", scopes: [read]}
      ---
      apiVersion: caracal.run/v1
      kind: Resource
      metadata: {name: files-eu-v2}
      spec: {id: "resource://files-eu/v2", scopes: [read]}
      ---
      apiVersion: caracal.run/v1
      kind: Resource
      metadata: {name: store-deep}
      spec: {id: "resource://store/eu/objects", scopes: [read]}
      """;

  @ParameterizedTest(name = "{0} on {1}: {2}")
  @CsvSource({
      "resource://files-*,   resource://files-eu,         true",
      "resource://files-*,   resource://files-eu/v2,      false",
      "resource://files-*/*, resource://files-eu/v2,      true",
      "resource://store/**,  resource://store/eu/objects, true",
      "resource://**,        resource://files-eu/v2,      true",
      "resource://store/*,   resource://store/eu/objects, false",
      "resource://files-eu,  resource://files-eu,         true",
      "resource://files-eu,  resource://files-eu/v2,      false",
  })
  void decide_resourcePattern_appliesOnlyToMatchingIds(String pattern, String id, boolean applies) {
    CompiledPolicySet set = compile(RESOURCES, policy("p", "[\"" + pattern + "\"]", "", rule("reads", "allow", "[read]", null)));

    Decision d = set.decide(input("{resource: {id: '" + id + "'}, request: {scopes: [read]}}"));

    assertEquals(applies ? Verdict.ALLOW : Verdict.DENY, d.verdict(), reasons(d).toString());
    assertEquals(applies, !d.evaluated().isEmpty());
  }

  @Test
  void manifest_policyChanges_changesTheSetHash() {
    String before = policy("p", rule("reads", "allow", "[read]", "principal.name == 'a'"));
    String after = policy("p", rule("reads", "allow", "[read]", "principal.name == 'b'"));
    String relaidOut = "# same policy, other layout\n" + before.replace("{name: p}", "\n  name: p");

    String hash = compile(before).ref().sha256();

    assertNotEquals(hash, compile(after).ref().sha256());
    assertEquals(hash, compile(relaidOut).ref().sha256(), "layout and comments are not content");
    assertEquals(hash, compile(before).ref().sha256());
  }

  @Test
  void manifest_hash_coversNameVersionsAndOrder() {
    PolicySetManifest.PinnedPolicy a = new PolicySetManifest.PinnedPolicy("a", 1, "aa");
    PolicySetManifest.PinnedPolicy b = new PolicySetManifest.PinnedPolicy("b", 3, "bb");
    String hash = new PolicySetManifest("prod", 7, List.of(a, b)).sha256();

    assertNotEquals(hash, new PolicySetManifest("staging", 7, List.of(a, b)).sha256());
    assertNotEquals(hash, new PolicySetManifest("prod", 7, List.of(a, new PolicySetManifest.PinnedPolicy("b", 4, "bb"))).sha256());
    assertNotEquals(hash, new PolicySetManifest("prod", 7, List.of(b, a)).sha256());
    assertEquals(hash, new PolicySetManifest("prod", 7, List.of(a, b)).sha256());
  }

  @Test
  void compile_pinnedPolicyMissing_throwsNamingIt() {
    var bundle = Fixture.bundle(policy("p", rule("reads", "allow", "[read]", null)));
    PolicySetManifest manifest = new PolicySetManifest("main", 1,
        List.of(new PolicySetManifest.PinnedPolicy("absent", 1, "00")));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CompiledPolicySet.compile(manifest, bundle.policies(), List.of()));
    assertTrue(e.getMessage().contains("`absent`"), e.getMessage());
  }

  @Test
  void localPolicySet_unknownSetName_throwsNamingIt() {
    var bundle = Fixture.bundle(policy("p", rule("reads", "allow", "[read]", null)));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LocalPolicySet.compile(bundle, "prod"));
    assertTrue(e.getMessage().contains("`prod`"), e.getMessage());
  }

  @Test
  void decide_manyThreadsOnOneSet_giveTheSameDecisionsAsOneThread() throws Exception {
    CompiledPolicySet set = compile(
        policy("p", rule("reads", "allow", "[read, write]", "principal.name.startsWith('a')")
            + rule("no-bots", "deny", "['*']", "'bot' in principal.labels")
            + rule("posts", "allow", "[admin]", "request.method == 'POST'")
            + rule("teams", "deny", "[write]", "principal.attributes['team'] == 'x'")));
    List<DecisionInput> inputs = List.of(
        input("{principal: {name: alice}, resource: {id: 'resource://api'}, request: {scopes: [read]}}"),
        input("{principal: {name: alice, labels: [bot]}, resource: {id: 'resource://api'}, request: {scopes: [read]}}"),
        input("{principal: {name: bob}, resource: {id: 'resource://api'}, request: {scopes: [read, write]}}"),
        input("{principal: {name: ann}, resource: {id: 'resource://api'}, request: {scopes: [write]}}"),
        input("{resource: {id: 'resource://api'}, request: {phase: issue, scopes: [admin]}}"),
        input("{resource: {id: 'resource://api'}, request: {phase: request, method: POST, scopes: [admin]}}"),
        input("{resource: {id: 'resource://nowhere'}, request: {scopes: [read]}}"));
    List<String> expected = inputs.stream().map(i -> withoutTime(set.decide(i))).toList();
    int threads = 8;
    int rounds = 300;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<String>>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int offset = t;
        Callable<List<String>> work = () -> {
          start.await();
          List<String> mismatches = new ArrayList<>();
          for (int r = 0; r < rounds; r++) {
            int i = (r + offset) % inputs.size();
            String got = withoutTime(set.decide(inputs.get(i)));
            if (!got.equals(expected.get(i))) {
              mismatches.add(got);
            }
          }
          return mismatches;
        };
        futures.add(pool.submit(work));
      }
      start.countDown();
      for (Future<List<String>> f : futures) {
        assertEquals(List.of(), f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void decide_thousandPolicies_touchesOnlyCandidateRules() {
    StringBuilder docs = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      docs.append("---\napiVersion: caracal.run/v1\nkind: Resource\nmetadata: {name: svc-").append(i)
          .append("}\nspec: {id: \"resource://svc-").append(i).append("\", scopes: [read, write]}\n");
      docs.append("---\n").append(policy("svc-" + i + "-access", "[\"resource://svc-" + i + "\"]", "",
          rule("readers", "allow", "[read]", "principal.name == 'reader-" + i + "'")
              + rule("writers", "allow", "[write]", "principal.name == 'writer-" + i + "'")));
    }
    docs.append("---\n").append(policy("svc-guard", "[\"resource://svc-*\"]", "",
        rule("no-bots", "deny", "['*']", "'bot' in principal.labels")));
    docs.append("---\napiVersion: caracal.run/v1\nkind: PolicySet\nmetadata: {name: main}\nspec:\n  policies: [svc-guard");
    for (int i = 0; i < 1000; i++) {
      docs.append(", svc-").append(i).append("-access");
    }
    docs.append("]\n");
    CompiledPolicySet set = compile(docs.toString());

    Decision reader = set.decide(input("{principal: {name: reader-537}, resource: {id: 'resource://svc-537'}, request: {scopes: [read]}}"));
    Decision wrongService = set.decide(input("{principal: {name: reader-537}, resource: {id: 'resource://svc-538'}, request: {scopes: [read]}}"));
    Decision bot = set.decide(input("{principal: {name: reader-9, labels: [bot]}, resource: {id: 'resource://svc-9'}, request: {scopes: [read]}}"));

    assertEquals(1001, set.size());
    assertEquals(Verdict.ALLOW, reader.verdict());
    assertEquals(List.of("svc-537-access/readers@read"), rules(reader));
    assertEquals(List.of("svc-537-access/readers", "svc-guard/no-bots"),
        reader.evaluated().stream().map(e -> e.qualifiedName()).sorted().toList(),
        "only the rules for this resource and scope are evaluated");
    assertEquals(Verdict.DENY, wrongService.verdict());
    assertEquals(Verdict.DENY, bot.verdict());
    assertEquals(List.of("svc-guard/no-bots@read"), rules(bot));
  }

  @Test
  void decide_comprehensionOverTooManyItems_errorsAndFailsClosed() {
    CompiledPolicySet set = compile(policy("p",
        rule("clean-labels", "allow", "[read]", "principal.labels.all(l, l != 'banned')")
            + rule("writers", "allow", "[write]", null)
            + rule("no-banned", "deny", "[write]", "principal.labels.exists(l, l == 'banned')")));
    String labels = String.join(", ", java.util.Collections.nCopies(20_000, "ok"));
    String few = "ok, ok, ok";

    Decision read = set.decide(input("{principal: {labels: [" + labels + "]}, resource: {id: 'resource://api'}, request: {scopes: [read]}}"));
    Decision write = set.decide(input("{principal: {labels: [" + labels + "]}, resource: {id: 'resource://api'}, request: {scopes: [write]}}"));
    Decision small = set.decide(input("{principal: {labels: [" + few + "]}, resource: {id: 'resource://api'}, request: {scopes: [read, write]}}"));

    assertEquals(Verdict.DENY, read.verdict());
    assertEquals(Outcome.ERROR, evaluated(read, "p/clean-labels").outcome());
    assertEquals(List.of("condition_error", "no_matching_rule"), reasons(read));
    assertEquals(Verdict.DENY, write.verdict());
    assertEquals(List.of("p/no-banned@write"), rules(write));
    assertEquals(Outcome.ERROR, evaluated(write, "p/no-banned").outcome());
    assertEquals(Verdict.ALLOW, small.verdict());
  }

  @Test
  void decisionJson_allow_hasTheDocumentedFields() {
    CompiledPolicySet set = compile(policy("p", rule("reads", "allow", "[read]", null)));

    var json = DecisionJson.toJson(set.decide(request("[read]")));

    assertEquals("allow", json.get("decision").asText());
    assertEquals("read", json.get("scopes").get("requested").get(0).asText());
    assertEquals("read", json.get("scopes").get("granted").get(0).asText());
    var r = json.get("rules").get(0);
    assertEquals(Map.of("policy", "p", "version", "0", "rule", "reads", "effect", "allow", "scope", "read"),
        Map.of("policy", r.get("policy").asText(), "version", r.get("version").asText(), "rule", r.get("rule").asText(),
            "effect", r.get("effect").asText(), "scope", r.get("scope").asText()));
    assertEquals("allowed_by_rule", json.get("reasons").get(0).asText());
    assertEquals("main", json.get("policySet").get("name").asText());
    assertEquals(0, json.get("policySet").get("version").asInt());
    assertEquals(set.ref().sha256(), json.get("policySet").get("sha256").asText());
    assertTrue(json.get("errors").isArray());
    assertTrue(json.get("evaluationMicros").isIntegralNumber());
  }

  /** The decision as JSON without the evaluation time, which differs between calls. */
  private static String withoutTime(Decision d) {
    var json = DecisionJson.toJson(d);
    json.remove("evaluationMicros");
    return json.toString();
  }
}
