package run.caracal.control.zone;

import java.time.Instant;

/** An isolation unit: its own apps, resources, policies, keys and active policy set. */
public record Zone(String id, String name, Instant createdAt) {}
