package run.caracal.policy.model;

import java.util.List;
import org.yaml.snakeyaml.nodes.Node;
import run.caracal.policy.source.Position;
import run.caracal.policy.yaml.ScalarText;

/** A {@code kind: Policy} document: resource patterns, named variables and rules. */
public record Policy(
    Metadata metadata,
    Position position,
    Node node,
    List<ScalarText> resources,
    List<Variable> variables,
    List<Rule> rules) implements Document {
  public Policy {
    resources = List.copyOf(resources);
    variables = List.copyOf(variables);
    rules = List.copyOf(rules);
  }

  @Override
  public Kind kind() {
    return Kind.POLICY;
  }
}
