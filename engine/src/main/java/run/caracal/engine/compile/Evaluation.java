package run.caracal.engine.compile;

import com.google.protobuf.Timestamp;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelUnknownSet;
import dev.cel.runtime.CelVariableResolver;
import dev.cel.runtime.PartialVars;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.RuleEvaluation.Outcome;
import run.caracal.policy.cel.InputSchema;

/**
 * The state of one decision: the bound input, each policy's lazily evaluated variables, and the
 * outcome of each rule evaluated so far (a condition does not depend on the scope, so it runs
 * once). Confined to the deciding thread.
 */
final class Evaluation {
  /** A rule's outcome, with the error message when it failed. */
  record Result(Outcome outcome, String error) {}

  private final DecisionInput input;
  private final Phase phase;
  private final Timestamp now;
  private final Map<CompiledRule, Result> results = new IdentityHashMap<>();
  private final Map<CompiledPolicy, PolicyScope> scopes = new IdentityHashMap<>();

  Evaluation(DecisionInput input) {
    this.input = input;
    this.phase = input.phase();
    this.now = Timestamp.newBuilder()
        .setSeconds(input.now().getEpochSecond()).setNanos(input.now().getNano()).build();
  }

  Result outcome(CompiledRule rule) {
    Result cached = results.get(rule);
    if (cached == null) {
      cached = run(rule);
      results.put(rule, cached);
    }
    return cached;
  }

  Map<CompiledRule, Result> results() {
    return results;
  }

  private Result run(CompiledRule rule) {
    if (rule.condition() == null) {
      return new Result(Outcome.TRUE, null);
    }
    PolicyScope scope = scopes.computeIfAbsent(rule.policy(), PolicyScope::new);
    try {
      Object value = phase == Phase.ISSUE && !rule.policy().issueUnknowns().isEmpty()
          ? rule.condition().eval(PartialVars.of(scope, rule.policy().issueUnknowns()))
          : rule.condition().eval(scope);
      if (value instanceof Boolean b) {
        return new Result(b ? Outcome.TRUE : Outcome.FALSE, null);
      }
      if (value instanceof CelUnknownSet) {
        return new Result(Outcome.UNKNOWN, null);
      }
      return new Result(Outcome.ERROR, "condition returned a " + typeName(value) + ", not a bool");
    } catch (CelEvaluationException e) {
      return new Result(Outcome.ERROR, message(e));
    } catch (VariableFailure e) {
      return new Result(Outcome.ERROR, e.getMessage());
    } catch (RuntimeException e) {
      return new Result(Outcome.ERROR, e.getMessage() == null ? "evaluation failed" : e.getMessage());
    }
  }

  static String message(CelEvaluationException e) {
    String m = e.getMessage() == null ? "evaluation failed" : e.getMessage();
    m = m.replaceFirst("^evaluation error(?: at [^:]*:\\d+)?: ?", "");
    if (e.getCause() != null && e.getCause().getMessage() != null && m.equals(e.getCause().getMessage())) {
      return m;
    }
    return m.isEmpty() ? "evaluation failed" : m;
  }

  private static String typeName(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }

  /** Resolves the top-level names for one policy, with that policy's variables. */
  private final class PolicyScope implements CelVariableResolver {
    private final LazyVariables variables;

    PolicyScope(CompiledPolicy policy) {
      this.variables = new LazyVariables(policy, this);
    }

    @Override
    public Optional<Object> find(String name) {
      switch (name) {
        case InputSchema.PRINCIPAL: return Optional.of(input.principal());
        case InputSchema.SESSION: return Optional.of(input.session());
        case InputSchema.DELEGATION: return Optional.of(input.delegation());
        case InputSchema.RESOURCE: return Optional.of(input.resource());
        case InputSchema.REQUEST: return Optional.of(input.request());
        case InputSchema.CONTEXT: return Optional.of(input.context());
        case InputSchema.NOW: return Optional.of(now);
        case InputSchema.VARIABLES: return Optional.of(variables);
        default: return Optional.empty();
      }
    }
  }

  /** A variable failed; the rule reading it fails with this message. */
  static final class VariableFailure extends RuntimeException {
    VariableFailure(String message) {
      super(message, null, false, false);
    }
  }

  /** `variables`: each one evaluated on first read, at most once per decision. */
  private static final class LazyVariables extends AbstractMap<String, Object> {
    private final CompiledPolicy policy;
    private final CelVariableResolver scope;
    private final Map<String, Object> values = new HashMap<>();

    LazyVariables(CompiledPolicy policy, CelVariableResolver scope) {
      this.policy = policy;
      this.scope = scope;
    }

    @Override
    public boolean containsKey(Object key) {
      return policy.variables().containsKey(key);
    }

    @Override
    public Object get(Object key) {
      CelRuntime.Program program = policy.variables().get(key);
      if (program == null) {
        return null;
      }
      Object value = values.get(key);
      if (value == null) {
        try {
          value = program.eval(scope);
        } catch (CelEvaluationException e) {
          value = new VariableFailure("variable `" + key + "`: " + message(e));
        }
        values.put((String) key, value);
      }
      if (value instanceof VariableFailure f) {
        throw f;
      }
      return value;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
      throw new UnsupportedOperationException("variables are read one at a time");
    }
  }
}
