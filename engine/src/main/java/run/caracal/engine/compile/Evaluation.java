package run.caracal.engine.compile;

import com.google.protobuf.Timestamp;
import dev.cel.common.CelErrorCode;
import dev.cel.runtime.CelAttributePattern;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelUnknownSet;
import dev.cel.runtime.CelVariableResolver;
import dev.cel.runtime.PartialVars;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
  private final boolean argumentsUnknown;
  private final Timestamp now;
  private final Map<CompiledRule, Result> results = new IdentityHashMap<>();
  private static final String VARIABLE_PREFIX = InputSchema.VARIABLES + ".";

  private final Map<CompiledPolicy, PolicyScope> scopes = new IdentityHashMap<>();

  /** @param argumentsUnknown whether `request.mcp.arguments` (and variables reading request-time fields) are unknown */
  Evaluation(DecisionInput input, boolean argumentsUnknown) {
    this.input = input;
    this.phase = input.phase();
    this.argumentsUnknown = argumentsUnknown;
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
      List<CelAttributePattern> unknowns = unknowns(rule.policy());
      Object value = unknowns.isEmpty() ? rule.condition().eval(scope) : rule.condition().eval(PartialVars.of(scope, unknowns));
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

  /** The attributes unknown to this evaluation: request-time ones at `issue`, the arguments while filtering a list. */
  private List<CelAttributePattern> unknowns(CompiledPolicy policy) {
    return argumentsUnknown ? policy.argumentUnknowns() : phase == Phase.ISSUE ? policy.issueUnknowns() : List.of();
  }

  static String message(CelEvaluationException e) {
    String m = e.getMessage() == null ? "" : e.getMessage();
    m = m.replaceFirst("^evaluation error(?: at [^:]*:\\d+)?: ?", "").trim();
    if (e.getErrorCode() == CelErrorCode.ATTRIBUTE_NOT_FOUND && !m.startsWith("no such")) {
      return "no such key: " + m;
    }
    if (e.getErrorCode() == CelErrorCode.ITERATION_BUDGET_EXCEEDED) {
      return "iteration limit exceeded: " + m;
    }
    return m.isEmpty() ? "evaluation failed" : m;
  }

  private static String typeName(Object value) {
    return value == null ? "null" : value.getClass().getSimpleName().toLowerCase(Locale.ROOT);
  }

  /**
   * Resolves the top-level names for one policy. Its variables are the namespaced identifiers
   * {@code variables.NAME}, each evaluated on first read and at most once per decision.
   */
  private final class PolicyScope implements CelVariableResolver {
    private final CompiledPolicy policy;
    private final Map<String, Object> variables = new HashMap<>();

    PolicyScope(CompiledPolicy policy) {
      this.policy = policy;
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
        default: return name.startsWith(VARIABLE_PREFIX) ? variable(name.substring(VARIABLE_PREFIX.length())) : Optional.empty();
      }
    }

    private Optional<Object> variable(String key) {
      CelRuntime.Program program = policy.variables().get(key);
      if (program == null) {
        return Optional.empty();
      }
      Object value = variables.get(key);
      if (value == null) {
        try {
          List<CelAttributePattern> unknowns = unknowns(policy);
          value = unknowns.isEmpty() ? program.eval(this) : program.eval(PartialVars.of(this, unknowns));
        } catch (CelEvaluationException e) {
          value = new VariableFailure("variable `" + key + "`: " + message(e));
        }
        variables.put(key, value);
      }
      if (value instanceof VariableFailure f) {
        throw f;
      }
      return Optional.of(value);
    }
  }

  /** A variable failed; the rule reading it fails with this message. */
  static final class VariableFailure extends RuntimeException {
    VariableFailure(String message) {
      super(message, null, false, false);
    }
  }
}
