package run.caracal.ledger.store;

import run.caracal.ledger.event.AppendedEvent;

/** Receives events streamed from a snapshot or an export, in sequence order per chain. */
public interface EventSink {
  /** A well-formed event. */
  void event(AppendedEvent event);

  /** A row or line that could not be read as an event (e.g. a field edited to an invalid value). */
  void unreadable(String chainId, long seq, String reason);
}
