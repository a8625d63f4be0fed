package run.caracal.engine.decision;

import java.util.Objects;

/** Which policy-set version decided: name, version number, and manifest sha256. */
public record PolicySetRef(String name, int version, String sha256) {
  /** No policy set: the zone had none active. */
  public static final PolicySetRef NONE = new PolicySetRef("", 0, "");

  public PolicySetRef {
    name = Objects.requireNonNullElse(name, "");
    sha256 = Objects.requireNonNullElse(sha256, "");
  }

  public boolean isNone() {
    return name.isEmpty();
  }
}
