package run.caracal.policy.cel;

import dev.cel.common.CelAbstractSyntaxTree;
import java.util.Set;
import run.caracal.policy.yaml.ScalarText;

/**
 * A type-checked CEL expression and what it reads.
 *
 * @param source the YAML scalar it came from
 * @param ast the checked AST, ready for a runtime
 * @param variables the policy variables it reads as {@code variables.NAME}
 * @param readsRequestTime whether it reads request-time attributes directly
 * @param readsInput whether it reads any input at all (false: a constant)
 */
public record CheckedExpression(
    ScalarText source, CelAbstractSyntaxTree ast, Set<String> variables, boolean readsRequestTime, boolean readsInput) {
  public CheckedExpression {
    variables = Set.copyOf(variables);
  }
}
