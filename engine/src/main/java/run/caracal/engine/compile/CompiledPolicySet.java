package run.caracal.engine.compile;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.runtime.CelAttributePattern;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import run.caracal.policy.model.ResourceGlob;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.McpMethods;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.PolicySetRef;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.cel.InputSchema;
import run.caracal.policy.cel.PolicyEnvironment;
import run.caracal.policy.input.Resource;

/**
 * A policy-set version compiled for deciding: CEL programs built once, rules indexed by
 * resource and scope so a decision touches only its candidate rules.
 *
 * <p>Immutable and thread-safe: build it once per activated version, share it between threads,
 * swap it atomically on activation. {@link #decide} does no I/O, takes no lock and reads no
 * clock (the caller passes {@code now}); it never throws for bad input, which becomes a deny
 * with reasons.
 */
public final class CompiledPolicySet {
  private static final int MAX_CACHED_UNKNOWN_RESOURCES = 4096;
  private static final List<CelAttributePattern> REQUEST_TIME = InputSchema.REQUEST_TIME_FIELDS.stream()
      .sorted().map(f -> CelAttributePattern.fromQualifiedIdentifier(InputSchema.REQUEST + "." + f)).toList();
  private static final CelAttributePattern MCP_ARGUMENTS =
      CelAttributePattern.fromQualifiedIdentifier(InputSchema.REQUEST + ".mcp.arguments");

  private final PolicySetRef ref;
  private final List<CompiledPolicy> policies;
  private final Map<CompiledPolicy, List<CompiledRule>> rules;
  private final Map<String, List<CompiledPolicy>> exact;
  private final List<CompiledPolicy> globbed;
  private final Map<String, Resource> catalog;
  private final Map<String, RuleTable> tables = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;

  private CompiledPolicySet(PolicySetRef ref, List<CompiledPolicy> policies, Map<CompiledPolicy, List<CompiledRule>> rules,
      Map<String, Resource> catalog, LongSupplier nanoTime) {
    this.ref = ref;
    this.policies = List.copyOf(policies);
    this.rules = Map.copyOf(rules);
    this.catalog = Map.copyOf(catalog);
    this.nanoTime = nanoTime;
    Map<String, List<CompiledPolicy>> byId = new HashMap<>();
    List<CompiledPolicy> globs = new ArrayList<>();
    for (CompiledPolicy p : policies) {
      boolean anyGlob = false;
      for (ResourceGlob pattern : p.resources()) {
        if (pattern.exact()) {
          byId.computeIfAbsent(pattern.text(), k -> new ArrayList<>()).add(p);
        } else {
          anyGlob = true;
        }
      }
      if (anyGlob) {
        globs.add(p);
      }
    }
    byId.replaceAll((k, v) -> List.copyOf(v));
    this.exact = Map.copyOf(byId);
    this.globbed = List.copyOf(globs);
    catalog.keySet().forEach(id -> tables.put(id, buildTable(id)));
  }

  /**
   * Compiles the policies a manifest pins. {@code policies} must be the checked policies the
   * manifest names, in its order; {@code catalog} holds the registered resources by id.
   *
   * @throws IllegalArgumentException when a pinned policy is missing or a program cannot be built
   */
  public static CompiledPolicySet compile(PolicySetManifest manifest, Map<String, CheckedPolicy> policies,
      Collection<Resource> catalog) {
    return compile(manifest, policies, catalog, System::nanoTime);
  }

  /** As {@link #compile(PolicySetManifest, Map, Collection)}, with the timer used for evaluation time. */
  public static CompiledPolicySet compile(PolicySetManifest manifest, Map<String, CheckedPolicy> policies,
      Collection<Resource> catalog, LongSupplier nanoTime) {
    CelRuntime runtime = PolicyEnvironment.get().newRuntime();
    List<CompiledPolicy> compiled = new ArrayList<>();
    Map<CompiledPolicy, List<CompiledRule>> rules = new HashMap<>();
    int ordinal = 0;
    for (PolicySetManifest.PinnedPolicy pin : manifest.policies()) {
      CheckedPolicy checked = policies.get(pin.name());
      if (checked == null) {
        throw new IllegalArgumentException("policy `" + pin.name() + "` is pinned but was not given");
      }
      Map<String, CelRuntime.Program> variables = new LinkedHashMap<>();
      List<CelAttributePattern> unknowns = new ArrayList<>(REQUEST_TIME);
      List<CelAttributePattern> argumentUnknowns = new ArrayList<>(List.of(MCP_ARGUMENTS));
      for (CheckedPolicy.CheckedVariable v : checked.variables()) {
        variables.put(v.name(), program(runtime, v.expression().ast(), checked.name()));
        if (v.requestTime()) {
          CelAttributePattern variable = CelAttributePattern.fromQualifiedIdentifier(InputSchema.VARIABLES + "." + v.name());
          unknowns.add(variable);
          argumentUnknowns.add(variable);
        }
      }
      CompiledPolicy policy = new CompiledPolicy(checked.name(), pin.version(),
          checked.policy().resources().stream().map(r -> ResourceGlob.of(r.value())).toList(),
          Map.copyOf(variables), List.copyOf(unknowns), List.copyOf(argumentUnknowns));
      List<CompiledRule> policyRules = new ArrayList<>();
      for (CheckedPolicy.CheckedRule r : checked.rules()) {
        Set<String> scopes = new LinkedHashSet<>();
        r.rule().scopes().forEach(s -> scopes.add(s.value()));
        policyRules.add(new CompiledRule(policy, r.name(), r.rule().effect(), Set.copyOf(scopes),
            r.rule().appliesToEveryScope(),
            r.condition().map(c -> program(runtime, c.ast(), checked.name())).orElse(null),
            r.condition().map(c -> c.source().start().toString()).orElse(""), ordinal++,
            r.rule().approval().orElse(null)));
      }
      compiled.add(policy);
      rules.put(policy, List.copyOf(policyRules));
    }
    Map<String, Resource> byId = new LinkedHashMap<>();
    catalog.forEach(r -> byId.put(r.getId(), r));
    return new CompiledPolicySet(new PolicySetRef(manifest.name(), manifest.version(), manifest.sha256()),
        compiled, rules, byId, nanoTime);
  }

  private static CelRuntime.Program program(CelRuntime runtime, CelAbstractSyntaxTree ast, String policy) {
    try {
      return runtime.createProgram(ast);
    } catch (CelEvaluationException e) {
      throw new IllegalArgumentException("policy `" + policy + "` cannot be prepared: " + e.getMessage(), e);
    }
  }

  public PolicySetRef ref() {
    return ref;
  }

  /** Number of policies in the set. */
  public int size() {
    return policies.size();
  }

  /** The registered resource with this id, when the catalog has it. */
  public Optional<Resource> resource(String id) {
    return Optional.ofNullable(catalog.get(id));
  }

  /**
   * Whether a request to {@code resourceId} may be held for approval: some applicable rule has
   * the effect {@code require_approval}. The Gateway then reads the request's body so that an
   * approval binds it.
   */
  public boolean holdsForApproval(String resourceId) {
    return table(resourceId).holdsForApproval();
  }

  /**
   * Decides one input; see the package documentation for the semantics. An MCP message that is
   * not a tool call, resource read or prompt get is plumbing: allowed without rules
   * ({@link Decision#mcpPlumbing}).
   */
  public Decision decide(DecisionInput input) {
    if (input.phase() == Phase.REQUEST && input.request().hasMcp() && !McpMethods.decided(input.request().getMcp().getMethod())) {
      return Decision.mcpPlumbing(input, ref);
    }
    long start = nanoTime.getAsLong();
    DecisionInput bound = bindResource(input);
    boolean known = isKnown(input.resource(), bound.resource());
    RuleTable table = table(bound.resource().getId());
    return new Decider(ref, bound, known, table, new Evaluation(bound, false), false).decide(start, nanoTime);
  }

  /**
   * Whether an MCP call could be allowed for some arguments: decides {@code input} (phase
   * `request`, `request.mcp` naming the tool or prompt) with {@code request.mcp.arguments} and
   * request-time variables unknown, as at phase `issue`: allowed when an allow rule is true or
   * unknown and no deny rule is definitely true (or fails). For filtering lists; a call is still
   * decided in full by {@link #decide}.
   */
  public Decision decideWithArgumentsUnknown(DecisionInput input) {
    long start = nanoTime.getAsLong();
    DecisionInput bound = bindResource(input);
    boolean known = isKnown(input.resource(), bound.resource());
    RuleTable table = table(bound.resource().getId());
    return new Decider(ref, bound, known, table, new Evaluation(bound, true), true).decide(start, nanoTime);
  }

  /** Completes the input's resource from the catalog: fields the input leaves empty come from the registration. */
  private DecisionInput bindResource(DecisionInput input) {
    Resource given = input.resource();
    Resource registered = catalog.get(given.getId());
    if (registered == null) {
      return input;
    }
    Resource.Builder merged = registered.toBuilder();
    if (given.getScopesCount() > 0) {
      merged.clearScopes().addAllScopes(given.getScopesList());
    }
    if (given.getLabelsCount() > 0) {
      merged.clearLabels().addAllLabels(given.getLabelsList());
    }
    if (given.getAttributesCount() > 0) {
      merged.clearAttributes().putAllAttributes(given.getAttributesMap());
    }
    return input.withResource(merged.build());
  }

  private boolean isKnown(Resource given, Resource bound) {
    if (bound.getId().isEmpty()) {
      return false;
    }
    return catalog.containsKey(bound.getId()) || given.getScopesCount() > 0;
  }

  private RuleTable table(String resourceId) {
    RuleTable table = tables.get(resourceId);
    if (table != null) {
      return table;
    }
    table = buildTable(resourceId);
    if (tables.size() < catalog.size() + MAX_CACHED_UNKNOWN_RESOURCES) {
      tables.putIfAbsent(resourceId, table);
    }
    return table;
  }

  private RuleTable buildTable(String resourceId) {
    Set<CompiledPolicy> applicable = new LinkedHashSet<>(exact.getOrDefault(resourceId, List.of()));
    for (CompiledPolicy p : globbed) {
      if (p.resources().stream().anyMatch(r -> r.matches(resourceId))) {
        applicable.add(p);
      }
    }
    List<CompiledPolicy> ordered = new ArrayList<>(applicable);
    ordered.sort(Comparator.comparingInt(p -> rules.get(p).isEmpty() ? 0 : rules.get(p).get(0).ordinal()));
    return new RuleTable(ordered, rules);
  }
}
