package run.caracal.policy.parse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostics;
import run.caracal.policy.model.Approval;
import run.caracal.policy.model.Document;
import run.caracal.policy.model.Effect;
import run.caracal.policy.model.Kind;
import run.caracal.policy.model.Metadata;
import run.caracal.policy.model.Policy;
import run.caracal.policy.model.PolicySet;
import run.caracal.policy.model.PolicyTest;
import run.caracal.policy.model.Resource;
import run.caracal.policy.model.Rule;
import run.caracal.policy.model.Variable;
import run.caracal.policy.model.Verdict;
import run.caracal.policy.source.SourceFile;
import run.caracal.policy.yaml.MapView;
import run.caracal.policy.yaml.ScalarText;

/**
 * Turns YAML nodes into policy documents, reporting every structural problem (unknown keys,
 * wrong types, bad enum values, malformed names) with its position. A document with errors is
 * still returned when its name could be read, so later checks can report more. Stateless.
 */
public final class DocumentParser {
  public static final String API_VERSION = "caracal.run/v1";

  private static final Set<String> TOP_KEYS = Set.of("apiVersion", "kind", "metadata", "spec");
  private static final Set<String> METADATA_KEYS = Set.of("name", "description", "labels");
  private static final Set<String> POLICY_KEYS = Set.of("resources", "variables", "rules", "description");
  private static final Set<String> RULE_KEYS =
      Set.of("name", "effect", "scopes", "when", "reason", "approval", "description");
  private static final Set<String> APPROVAL_KEYS = Set.of("ttl", "reuse", "approvers");
  private static final Pattern DURATION = Pattern.compile("(?:(\\d{1,6})h)?(?:(\\d{1,6})m)?(?:(\\d{1,6})s)?");
  private static final Set<String> SET_KEYS = Set.of("policies", "description");
  private static final Set<String> RESOURCE_KEYS =
      Set.of("id", "scopes", "labels", "attributes", "upstream", "operations", "protocol", "tools", "mask_arguments", "description");
  private static final Set<String> OPERATION_KEYS = Set.of("method", "path", "scope");
  private static final Set<String> TOOL_KEYS = Set.of("name", "scope", "input_schema", "description");
  private static final Set<String> TEST_KEYS = Set.of("policySet", "cases", "description");
  private static final Set<String> CASE_KEYS = Set.of("name", "input", "expect", "description");
  private static final Set<String> EXPECT_KEYS = Set.of("decision", "rules", "reasons");
  private static final Pattern MASK_PATH = Pattern.compile("(\\*|[^.*\\s]+)(\\.(\\*|[^.*\\s]+))*");
  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "*");

  /** Parses one document node; empty when it is not a document at all. */
  public Optional<Document> parse(SourceFile file, Node node, Diagnostics d) {
    if (!(node instanceof MappingNode) && !MapView.isNull(node)) {
      d.add(MapView.positionOf(file, node), Code.INVALID_DOCUMENT,
          "a document must be a mapping with `apiVersion`, `kind`, `metadata` and `spec`");
      return Optional.empty();
    }
    Optional<MapView> top = MapView.of(file, node, d, "a document");
    if (top.isEmpty()) {
      return Optional.empty();
    }
    MapView doc = top.get();
    doc.requireKnownKeys(TOP_KEYS, "a document");
    Optional<ScalarText> api = doc.requiredString("apiVersion", "a document");
    api.filter(a -> !a.value().equals(API_VERSION)).ifPresent(a ->
        d.add(a.start(), Code.UNSUPPORTED_API_VERSION, "apiVersion `" + a.value() + "` is not supported (use `" + API_VERSION + "`)"));
    Optional<ScalarText> kindText = doc.requiredString("kind", "a document");
    if (kindText.isEmpty()) {
      return Optional.empty();
    }
    Optional<Kind> kind = Kind.fromId(kindText.get().value());
    if (kind.isEmpty()) {
      d.add(kindText.get().start(), Code.UNKNOWN_KIND,
          "unknown kind `" + kindText.get().value() + "` (expected Policy, PolicySet, Resource or PolicyTest)");
      return Optional.empty();
    }
    Optional<Metadata> metadata = metadata(doc, d);
    Optional<MapView> spec = doc.map("spec");
    if (spec.isEmpty()) {
      if (doc.get("spec").isEmpty()) {
        d.add(doc.position(), Code.MISSING_FIELD, "missing `spec` in " + kind.get().id());
      }
      return Optional.empty();
    }
    if (metadata.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(switch (kind.get()) {
      case POLICY -> policy(metadata.get(), doc, spec.get(), d);
      case POLICY_SET -> policySet(metadata.get(), doc, spec.get(), d);
      case RESOURCE -> resource(metadata.get(), doc, spec.get(), d);
      case POLICY_TEST -> policyTest(metadata.get(), doc, spec.get(), d);
    });
  }

  private Optional<Metadata> metadata(MapView doc, Diagnostics d) {
    Optional<MapView> view = doc.map("metadata");
    if (view.isEmpty()) {
      if (doc.get("metadata").isEmpty()) {
        d.add(doc.position(), Code.MISSING_FIELD, "missing `metadata` in a document");
      }
      return Optional.empty();
    }
    MapView m = view.get();
    m.requireKnownKeys(METADATA_KEYS, "metadata");
    Optional<ScalarText> name = m.requiredString("name", "metadata");
    name.ifPresent(n -> checkName(n, "name", d));
    Map<String, String> labels = new LinkedHashMap<>();
    m.stringMap("labels").forEach((k, v) -> labels.put(k, v.value()));
    return name.map(n -> new Metadata(n, m.string("description").map(ScalarText::value), labels));
  }

  private Policy policy(Metadata metadata, MapView doc, MapView spec, Diagnostics d) {
    spec.requireKnownKeys(POLICY_KEYS, "a Policy spec");
    List<ScalarText> resources = spec.stringList("resources");
    if (resources.isEmpty()) {
      d.add(spec.keyPosition("resources"), Code.MISSING_FIELD, "a policy needs at least one entry in `resources`");
    }
    for (ScalarText r : resources) {
      if (!Names.RESOURCE_PATTERN.matcher(r.value()).matches() || r.value().contains("***")) {
        d.add(r.start(), Code.INVALID_VALUE, "`" + r.value() + "` is not a resource id or pattern (like `resource://billing-api` or `resource://billing-*`)");
      }
    }
    List<Variable> variables = new ArrayList<>();
    spec.map("variables").ifPresent(vars -> {
      for (String key : vars.keys()) {
        Optional<ScalarText> expr = vars.string(key);
        ScalarText name = ScalarText.synthetic(key, vars.keyPosition(key));
        if (!Names.VARIABLE.matcher(key).matches()) {
          d.add(vars.keyPosition(key), Code.INVALID_VALUE, "variable name `" + key + "` must be a CEL identifier");
        } else if (expr.isEmpty() && vars.get(key).isEmpty()) {
          d.add(vars.keyPosition(key), Code.MISSING_FIELD, "variable `" + key + "` has no expression");
        }
        expr.ifPresent(e -> variables.add(new Variable(name, e)));
      }
    });
    List<Rule> rules = new ArrayList<>();
    List<Node> ruleNodes = spec.list("rules");
    if (ruleNodes.isEmpty()) {
      d.add(spec.keyPosition("rules"), Code.MISSING_FIELD, "a policy needs at least one rule in `rules`");
    }
    for (Node n : ruleNodes) {
      MapView.of(doc.file(), n, d, "a rule").flatMap(r -> rule(r, d)).ifPresent(rules::add);
    }
    return new Policy(metadata, doc.position(), doc.node(), resources, variables, rules);
  }

  private Optional<Rule> rule(MapView r, Diagnostics d) {
    r.requireKnownKeys(RULE_KEYS, "a rule");
    Optional<ScalarText> name = r.requiredString("name", "a rule");
    name.ifPresent(n -> checkName(n, "rule name", d));
    Optional<Effect> effect = r.requiredString("effect", "a rule").flatMap(e -> {
      Optional<Effect> parsed = Effect.fromId(e.value());
      if (parsed.isEmpty()) {
        d.add(e.start(), Code.INVALID_VALUE, "effect `" + e.value() + "` must be `allow`, `deny` or `require_approval`");
      }
      return parsed;
    });
    List<ScalarText> scopes = r.stringList("scopes");
    if (scopes.isEmpty()) {
      d.add(r.keyPosition("scopes"), Code.MISSING_FIELD, "a rule needs at least one scope in `scopes` (`*` for every scope)");
    }
    scopes.forEach(s -> checkScope(s, d));
    Optional<ScalarText> when = r.string("when");
    when.filter(w -> w.value().isBlank()).ifPresent(w ->
        d.add(w.start(), Code.MISSING_FIELD, "`when` must not be empty (leave it out to always apply)"));
    Optional<Approval> approval = Optional.empty();
    if (effect.isPresent() && effect.get() == Effect.REQUIRE_APPROVAL) {
      approval = Optional.of(r.map("approval").map(a -> approval(a, d)).orElse(Approval.DEFAULT));
    } else if (effect.isPresent() && r.keys().contains("approval")) {
      d.add(r.keyPosition("approval"), Code.UNKNOWN_KEY,
          "`approval` is only for rules with `effect: require_approval` (this rule's effect is `" + effect.get().id() + "`)");
    }
    if (name.isEmpty() || effect.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Rule(name.get(), effect.get(), scopes, when.filter(w -> !w.value().isBlank()),
        r.string("reason").map(ScalarText::value), approval, r.position()));
  }

  /** The `approval:` block of a require_approval rule; a bad field is reported and takes its default. */
  private static Approval approval(MapView a, Diagnostics d) {
    a.requireKnownKeys(APPROVAL_KEYS, "`approval`");
    Duration ttl = a.string("ttl").flatMap(t -> ttl(t, d)).orElse(Approval.DEFAULT_TTL);
    Approval.Reuse reuse = a.string("reuse").flatMap(v -> {
      Optional<Approval.Reuse> parsed = Approval.Reuse.fromId(v.value());
      if (parsed.isEmpty()) {
        d.add(v.start(), Code.INVALID_VALUE, "reuse `" + v.value() + "` must be `once` or `until_expiry`");
      }
      return parsed;
    }).orElse(Approval.Reuse.ONCE);
    List<String> approvers = new ArrayList<>();
    List<ScalarText> groups = a.stringList("approvers");
    if (a.get("approvers").orElse(null) instanceof SequenceNode seq && seq.getValue().isEmpty()) {
      d.add(a.keyPosition("approvers"), Code.MISSING_FIELD,
          "`approvers` must name at least one approver group (leave it out to let any approver decide)");
    }
    for (ScalarText g : groups) {
      checkName(g, "approver group", d);
      if (approvers.contains(g.value())) {
        d.add(g.start(), Code.DUPLICATE_NAME, "approver group `" + g.value() + "` is listed twice");
      } else {
        approvers.add(g.value());
      }
    }
    return new Approval(ttl, reuse, approvers);
  }

  /** A duration such as `90s`, `15m`, `1h30m`; at most {@link Approval#MAX_TTL}. */
  private static Optional<Duration> ttl(ScalarText text, Diagnostics d) {
    Matcher m = DURATION.matcher(text.value().strip());
    if (text.value().isBlank() || !m.matches()) {
      d.add(text.start(), Code.INVALID_VALUE,
          "approval ttl `" + text.value() + "` must be a duration such as `90s`, `15m` or `1h30m`");
      return Optional.empty();
    }
    Duration ttl = Duration.ofHours(group(m, 1)).plusMinutes(group(m, 2)).plusSeconds(group(m, 3));
    if (ttl.isZero()) {
      d.add(text.start(), Code.INVALID_VALUE, "approval ttl `" + text.value() + "` must be longer than 0s");
      return Optional.empty();
    }
    if (ttl.compareTo(Approval.MAX_TTL) > 0) {
      d.add(text.start(), Code.INVALID_VALUE, "approval ttl `" + text.value() + "` is longer than the limit of 24h");
      return Optional.empty();
    }
    return Optional.of(ttl);
  }

  private static long group(Matcher m, int i) {
    return m.group(i) == null ? 0 : Long.parseLong(m.group(i));
  }

  private PolicySet policySet(Metadata metadata, MapView doc, MapView spec, Diagnostics d) {
    spec.requireKnownKeys(SET_KEYS, "a PolicySet spec");
    List<ScalarText> policies = spec.stringList("policies");
    if (policies.isEmpty()) {
      d.add(spec.keyPosition("policies"), Code.MISSING_FIELD, "a policy set needs at least one entry in `policies`");
    }
    return new PolicySet(metadata, doc.position(), doc.node(), policies, spec.string("description").map(ScalarText::value));
  }

  private Resource resource(Metadata metadata, MapView doc, MapView spec, Diagnostics d) {
    spec.requireKnownKeys(RESOURCE_KEYS, "a Resource spec");
    ScalarText id = spec.requiredString("id", "a Resource spec").orElse(ScalarText.synthetic("", spec.position()));
    if (!id.value().isEmpty() && !Names.RESOURCE_ID.matcher(id.value()).matches()) {
      d.add(id.start(), Code.INVALID_VALUE, "resource id `" + id.value() + "` must look like `resource://name`");
    }
    List<ScalarText> scopes = spec.stringList("scopes");
    if (scopes.isEmpty()) {
      d.add(spec.keyPosition("scopes"), Code.MISSING_FIELD, "a resource needs at least one scope in `scopes`");
    }
    for (ScalarText s : scopes) {
      checkScope(s, d);
      if (s.value().equals(Rule.ANY_SCOPE)) {
        d.add(s.start(), Code.INVALID_VALUE, "a resource declares concrete scopes; `*` is only for rules");
      }
    }
    Optional<ScalarText> upstream = spec.string("upstream");
    upstream.filter(u -> !u.value().matches("https?://[^\\s/?#]+(/[^\\s]*)?")).ifPresent(u ->
        d.add(u.start(), Code.INVALID_VALUE, "upstream `" + u.value() + "` must be an http or https URL"));
    List<Resource.Operation> operations = new ArrayList<>();
    for (Node n : spec.list("operations")) {
      MapView.of(doc.file(), n, d, "an operation").ifPresent(op -> {
        op.requireKnownKeys(OPERATION_KEYS, "an operation");
        Optional<ScalarText> method = op.requiredString("method", "an operation");
        method.filter(m -> !METHODS.contains(m.value().toUpperCase(Locale.ROOT))).ifPresent(m ->
            d.add(m.start(), Code.INVALID_VALUE, "method `" + m.value() + "` must be one of " + String.join(", ", METHODS.stream().sorted().toList())));
        Optional<ScalarText> path = op.requiredString("path", "an operation");
        path.filter(p -> !p.value().startsWith("/")).ifPresent(p ->
            d.add(p.start(), Code.INVALID_VALUE, "operation path `" + p.value() + "` must start with `/`"));
        Optional<ScalarText> scope = op.requiredString("scope", "an operation");
        scope.filter(s -> scopes.stream().noneMatch(x -> x.value().equals(s.value()))).ifPresent(s ->
            d.add(s.start(), Code.MISSING_REFERENCE, "operation scope `" + s.value() + "` is not in the resource's `scopes`"));
        if (method.isPresent() && path.isPresent() && scope.isPresent()) {
          operations.add(new Resource.Operation(method.get().value().toUpperCase(Locale.ROOT), path.get().value(), scope.get()));
        }
      });
    }
    Resource.Protocol protocol = spec.string("protocol").map(p -> Resource.Protocol.fromId(p.value()).orElseGet(() -> {
      d.add(p.start(), Code.INVALID_VALUE, "protocol `" + p.value() + "` must be `http` or `mcp`");
      return Resource.Protocol.HTTP;
    })).orElse(Resource.Protocol.HTTP);
    List<Resource.Tool> tools = tools(doc, spec, scopes, d);
    List<ScalarText> masked = spec.stringList("mask_arguments");
    if (protocol != Resource.Protocol.MCP) {
      for (String key : List.of("tools", "mask_arguments")) {
        if (spec.get(key).isPresent()) {
          d.add(spec.keyPosition(key), Code.INVALID_VALUE, "`" + key + "` needs `protocol: mcp`");
        }
      }
    } else if (spec.get("operations").isPresent()) {
      d.add(spec.keyPosition("operations"), Code.INVALID_VALUE, "an MCP resource declares `tools`, not `operations`");
    }
    masked.stream().filter(m -> !MASK_PATH.matcher(m.value()).matches()).forEach(m ->
        d.add(m.start(), Code.INVALID_VALUE, "masked argument `" + m.value() + "` must be a dot-separated path of names or `*`"));
    Map<String, String> attributes = new LinkedHashMap<>();
    spec.stringMap("attributes").forEach((k, v) -> attributes.put(k, v.value()));
    return new Resource(metadata, doc.position(), doc.node(), id, scopes,
        spec.stringList("labels").stream().map(ScalarText::value).toList(), attributes,
        upstream.map(ScalarText::value), operations, protocol, tools, masked.stream().map(ScalarText::value).toList());
  }

  private List<Resource.Tool> tools(MapView doc, MapView spec, List<ScalarText> scopes, Diagnostics d) {
    List<Resource.Tool> tools = new ArrayList<>();
    for (Node n : spec.list("tools")) {
      MapView.of(doc.file(), n, d, "a tool").ifPresent(t -> {
        t.requireKnownKeys(TOOL_KEYS, "a tool");
        Optional<ScalarText> name = t.requiredString("name", "a tool");
        name.filter(x -> x.value().strip().contains(" ")).ifPresent(x ->
            d.add(x.start(), Code.INVALID_VALUE, "tool name `" + x.value() + "` must not contain spaces"));
        Optional<ScalarText> scope = t.requiredString("scope", "a tool");
        scope.filter(s -> scopes.stream().noneMatch(x -> x.value().equals(s.value()))).ifPresent(s ->
            d.add(s.start(), Code.MISSING_REFERENCE, "tool scope `" + s.value() + "` is not in the resource's `scopes`"));
        Optional<Resource.Arguments> arguments = t.map("input_schema").map(DocumentParser::arguments);
        if (name.isPresent() && scope.isPresent()) {
          tools.add(new Resource.Tool(name.get(), scope.get(), arguments));
        }
      });
    }
    return tools;
  }

  /** What a tool's input schema (a JSON Schema object) declares about its arguments. */
  private static Resource.Arguments arguments(MapView schema) {
    List<String> names = schema.map("properties").map(p -> List.copyOf(p.keys())).orElse(List.of());
    boolean open = schema.get("patternProperties").isPresent() || schema.get("additionalProperties")
        .map(a -> !(a instanceof ScalarNode s) || !s.getValue().equals("false")).orElse(false);
    return new Resource.Arguments(names, open);
  }

  private PolicyTest policyTest(Metadata metadata, MapView doc, MapView spec, Diagnostics d) {
    spec.requireKnownKeys(TEST_KEYS, "a PolicyTest spec");
    ScalarText set = spec.requiredString("policySet", "a PolicyTest spec").orElse(ScalarText.synthetic("", spec.position()));
    List<PolicyTest.Case> cases = new ArrayList<>();
    List<Node> caseNodes = spec.list("cases");
    if (caseNodes.isEmpty()) {
      d.add(spec.keyPosition("cases"), Code.MISSING_FIELD, "a policy test needs at least one entry in `cases`");
    }
    for (Node n : caseNodes) {
      MapView.of(doc.file(), n, d, "a test case").flatMap(c -> testCase(c, d)).ifPresent(cases::add);
    }
    return new PolicyTest(metadata, doc.position(), doc.node(), set, cases);
  }

  private Optional<PolicyTest.Case> testCase(MapView c, Diagnostics d) {
    c.requireKnownKeys(CASE_KEYS, "a test case");
    Optional<ScalarText> name = c.requiredString("name", "a test case");
    Optional<MapView> input = c.map("input");
    if (c.get("input").isEmpty()) {
      d.add(c.position(), Code.MISSING_FIELD, "missing `input` in a test case");
    }
    Optional<MapView> expect = c.map("expect");
    if (c.get("expect").isEmpty()) {
      d.add(c.position(), Code.MISSING_FIELD, "missing `expect` in a test case");
    }
    Optional<Verdict> decision = Optional.empty();
    Optional<List<ScalarText>> rules = Optional.empty();
    Optional<List<ScalarText>> reasons = Optional.empty();
    if (expect.isPresent()) {
      MapView e = expect.get();
      e.requireKnownKeys(EXPECT_KEYS, "`expect`");
      decision = e.requiredString("decision", "`expect`").flatMap(v -> {
        Optional<Verdict> parsed = Verdict.fromId(v.value());
        if (parsed.isEmpty()) {
          d.add(v.start(), Code.INVALID_VALUE,
              "expected decision `" + v.value() + "` must be `allow`, `deny` or `approval_required`");
        }
        return parsed;
      });
      if (e.get("rules").isPresent()) {
        rules = Optional.of(e.stringList("rules"));
      }
      if (e.get("reasons").isPresent()) {
        reasons = Optional.of(e.stringList("reasons"));
      }
    }
    if (name.isEmpty() || input.isEmpty() || decision.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new PolicyTest.Case(name.get(), input.get().node(), input.get().position(), decision.get(),
        rules, reasons, c.position()));
  }

  private static void checkName(ScalarText name, String what, Diagnostics d) {
    if (!Names.NAME.matcher(name.value()).matches()) {
      d.add(name.start(), Code.INVALID_VALUE, what + " `" + name.value() + "` must be lowercase letters, digits, `-`, `_` or `.`");
    }
  }

  private static void checkScope(ScalarText scope, Diagnostics d) {
    if (!Names.SCOPE.matcher(scope.value()).matches()) {
      d.add(scope.start(), Code.INVALID_VALUE, "scope `" + scope.value() + "` must be printable characters without spaces");
    }
  }
}
