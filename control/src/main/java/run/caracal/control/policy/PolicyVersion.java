package run.caracal.control.policy;

import java.time.Instant;

/** An immutable pushed version of one policy: number, sha256 of its canonical form, source. */
public record PolicyVersion(String zoneId, String name, int version, String sha256, String source, Instant createdAt, String actor) {}
