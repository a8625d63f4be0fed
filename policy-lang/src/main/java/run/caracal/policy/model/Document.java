package run.caracal.policy.model;

import org.yaml.snakeyaml.nodes.Node;
import run.caracal.policy.source.Position;

/** One parsed policy document. Implementations are immutable records. */
public sealed interface Document permits Policy, PolicySet, Resource, PolicyTest {
  Kind kind();

  Metadata metadata();

  /** Where the document starts. */
  Position position();

  /** The YAML node the document was read from (for hashing and formatting). */
  Node node();

  default String name() {
    return metadata().nameValue();
  }
}
