package run.caracal.policy.model;

import java.util.List;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;
import run.caracal.policy.source.Position;
import run.caracal.policy.yaml.ScalarText;

/** A {@code kind: PolicySet} document: the policies activated together. */
public record PolicySet(
    Metadata metadata, Position position, Node node, List<ScalarText> policies, Optional<String> description)
    implements Document {
  public PolicySet {
    policies = List.copyOf(policies);
  }

  @Override
  public Kind kind() {
    return Kind.POLICY_SET;
  }
}
