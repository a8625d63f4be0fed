package run.caracal.control.app;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A confidential agent application: authenticates with its id and a client secret. */
public record Application(
    String id, String zoneId, String name, List<String> labels, Map<String, String> attributes,
    boolean enabled, Instant createdAt) {
  public Application {
    labels = List.copyOf(labels);
    attributes = Map.copyOf(attributes);
  }
}
