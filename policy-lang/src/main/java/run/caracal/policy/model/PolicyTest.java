package run.caracal.policy.model;

import java.util.List;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;
import run.caracal.policy.source.Position;
import run.caracal.policy.yaml.ScalarText;

/** A {@code kind: PolicyTest} document: cases run against one policy set. */
public record PolicyTest(Metadata metadata, Position position, Node node, ScalarText policySet, List<Case> cases)
    implements Document {
  public PolicyTest {
    cases = List.copyOf(cases);
  }

  /**
   * One test case. {@code input} is the YAML node of the decision input, converted by the test
   * runner; {@code rules} and {@code reasons} are checked only when given.
   */
  public record Case(
      ScalarText name,
      Node input,
      Position inputPosition,
      Verdict decision,
      Optional<List<ScalarText>> rules,
      Optional<List<ScalarText>> reasons,
      Position position) {}

  @Override
  public Kind kind() {
    return Kind.POLICY_TEST;
  }
}
