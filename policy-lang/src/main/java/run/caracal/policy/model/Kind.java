package run.caracal.policy.model;

import java.util.Arrays;
import java.util.Optional;

/** The kinds of policy documents. */
public enum Kind {
  POLICY("Policy"),
  POLICY_SET("PolicySet"),
  RESOURCE("Resource"),
  POLICY_TEST("PolicyTest");

  private final String id;

  Kind(String id) {
    this.id = id;
  }

  /** The name written in the document's {@code kind} field. */
  public String id() {
    return id;
  }

  public static Optional<Kind> fromId(String id) {
    return Arrays.stream(values()).filter(k -> k.id.equals(id)).findFirst();
  }
}
