package run.caracal.control.policy;

import java.time.Instant;
import run.caracal.engine.compile.PolicySetManifest;

/** An immutable policy-set version: the manifest pinning exact policy versions, and its sha256. */
public record PolicySetVersion(String zoneId, PolicySetManifest manifest, String sha256, Instant createdAt, String actor) {
  public String name() {
    return manifest.name();
  }

  public int version() {
    return manifest.version();
  }
}
