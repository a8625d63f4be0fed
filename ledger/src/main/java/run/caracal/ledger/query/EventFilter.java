package run.caracal.ledger.query;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import run.caracal.ledger.event.Decision;

/**
 * Criteria for listing events; every criterion is optional and they combine with AND.
 * {@code types} holds exact types or family patterns such as {@code policy.*}; several types
 * combine with OR. Immutable and thread-safe; start from {@link #all()} and narrow with the
 * {@code with...}-style methods.
 */
public final class EventFilter {
  private static final EventFilter ALL = new EventFilter(null, null, null, null, null, null,
      List.of());

  private final Instant from;
  private final Instant to;
  private final String zone;
  private final String app;
  private final String resource;
  private final Decision decision;
  private final List<String> types;

  private EventFilter(Instant from, Instant to, String zone, String app, String resource,
      Decision decision, List<String> types) {
    this.from = from;
    this.to = to;
    this.zone = zone;
    this.app = app;
    this.resource = resource;
    this.decision = decision;
    this.types = List.copyOf(types);
  }

  /** The filter that matches every event. */
  public static EventFilter all() {
    return ALL;
  }

  /** Events at or after {@code instant}. */
  public EventFilter from(Instant instant) {
    return new EventFilter(instant, to, zone, app, resource, decision, types);
  }

  /** Events strictly before {@code instant}. */
  public EventFilter to(Instant instant) {
    return new EventFilter(from, instant, zone, app, resource, decision, types);
  }

  public EventFilter zone(String value) {
    return new EventFilter(from, to, value, app, resource, decision, types);
  }

  public EventFilter app(String value) {
    return new EventFilter(from, to, zone, value, resource, decision, types);
  }

  public EventFilter resource(String value) {
    return new EventFilter(from, to, zone, app, value, decision, types);
  }

  public EventFilter decision(Decision value) {
    return new EventFilter(from, to, zone, app, resource, value, types);
  }

  /** Events of any of these types ({@code x.*} matches the family {@code x}). */
  public EventFilter types(String... values) {
    return new EventFilter(from, to, zone, app, resource, decision, List.of(values));
  }

  public Optional<Instant> fromTime() { return Optional.ofNullable(from); }

  public Optional<Instant> toTime() { return Optional.ofNullable(to); }

  public Optional<String> zoneId() { return Optional.ofNullable(zone); }

  public Optional<String> appId() { return Optional.ofNullable(app); }

  public Optional<String> resourceId() { return Optional.ofNullable(resource); }

  public Optional<Decision> decisionValue() { return Optional.ofNullable(decision); }

  public List<String> typeList() { return types; }
}
