package run.caracal.policy.model;

import java.util.Map;
import java.util.Optional;
import run.caracal.policy.yaml.ScalarText;

/** A document's {@code metadata}: its name (unique per kind), description and labels. */
public record Metadata(ScalarText name, Optional<String> description, Map<String, String> labels) {
  public Metadata {
    labels = Map.copyOf(labels);
  }

  public String nameValue() {
    return name.value();
  }
}
