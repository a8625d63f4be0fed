package run.caracal.ledger.query;

import java.util.List;
import java.util.Optional;
import run.caracal.ledger.event.AppendedEvent;

/**
 * A page of events and the cursor of the next page ({@code ""} on the last page).
 */
public record EventPage(List<AppendedEvent> events, String nextCursor) {
  public EventPage {
    events = List.copyOf(events);
  }

  /** The cursor to pass to {@link PageRequest#after}, when there may be more. */
  public Optional<String> next() {
    return nextCursor.isEmpty() ? Optional.empty() : Optional.of(nextCursor);
  }
}
