package run.caracal.engine.compile;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import run.caracal.policy.model.Effect;

/**
 * The rules that apply to one resource, indexed by scope, with {@code *} rules kept apart.
 * Immutable after construction and thread-safe.
 */
final class RuleTable {
  private final Map<String, List<CompiledRule>> byScope;
  private final List<CompiledRule> anyScope;
  private final boolean holdsForApproval;

  RuleTable(Collection<CompiledPolicy> policies, Map<CompiledPolicy, List<CompiledRule>> rules) {
    Map<String, List<CompiledRule>> scoped = new HashMap<>();
    List<CompiledRule> any = new ArrayList<>();
    for (CompiledPolicy p : policies) {
      for (CompiledRule r : rules.get(p)) {
        if (r.anyScope()) {
          any.add(r);
        } else {
          r.scopes().forEach(s -> scoped.computeIfAbsent(s, k -> new ArrayList<>()).add(r));
        }
      }
    }
    scoped.replaceAll((k, v) -> List.copyOf(v));
    this.byScope = Map.copyOf(scoped);
    this.anyScope = List.copyOf(any);
    this.holdsForApproval = policies.stream().flatMap(p -> rules.get(p).stream())
        .anyMatch(r -> r.effect() == Effect.REQUIRE_APPROVAL);
  }

  /** Whether any rule of the table may hold a request for approval. */
  boolean holdsForApproval() {
    return holdsForApproval;
  }

  /** Rules naming {@code scope}, then rules naming every scope; each rule at most once. */
  List<CompiledRule> forScope(String scope) {
    List<CompiledRule> named = byScope.getOrDefault(scope, List.of());
    if (anyScope.isEmpty()) {
      return named;
    }
    if (named.isEmpty()) {
      return anyScope;
    }
    List<CompiledRule> all = new ArrayList<>(named.size() + anyScope.size());
    all.addAll(named);
    all.addAll(anyScope);
    return all;
  }
}
