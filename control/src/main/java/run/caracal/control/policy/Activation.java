package run.caracal.control.policy;

import java.time.Instant;
import java.util.Optional;

/** One activation in a zone's history; {@code setName} empty means the shadow was cleared. */
public record Activation(long seq, String zoneId, Optional<String> setName, int setVersion, boolean shadow, Instant activatedAt, String actor) {}
