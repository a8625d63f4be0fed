package run.caracal.engine.decision;

/** Which policy-set version decided: name, version number, and manifest sha256. */
public record PolicySetRef(String name, int version, String sha256) {}
