package run.caracal.engine.decision;

/** Which policy-set version decided: name, version number, and manifest sha256. */
public record PolicySetRef(String name, int version, String sha256) {
  /** No policy set: the zone had none active. */
  public static final PolicySetRef NONE = new PolicySetRef("", 0, "");

  public PolicySetRef {
    name = java.util.Objects.requireNonNullElse(name, "");
    sha256 = java.util.Objects.requireNonNullElse(sha256, "");
  }

  public boolean isNone() {
    return name.isEmpty();
  }
}
