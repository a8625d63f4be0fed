package run.caracal.control.audit;

import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import run.caracal.control.db.Json;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.event.Decision;

/**
 * Writes one ledger event per control-plane change (`zone.created`, `app.secret_rotated`,
 * `policyset.activated`, ...) and waits until it is durable. Never records secrets: callers
 * pass ids and hashes only. Thread-safe.
 */
public final class AdminAudit {
  private final Ledger ledger;

  public AdminAudit(Ledger ledger) {
    this.ledger = ledger;
  }

  public Ledger ledger() {
    return ledger;
  }

  /** Appends and waits; throws when the ledger cannot make the event durable. */
  public void record(String type, String zoneId, String actor, Map<String, ?> details) {
    try {
      ledger.append(ledger.newEvent(type)
          .zone(zoneId)
          .actor(actor)
          .decision(Decision.NONE)
          .explanation(Json.write(details))
          .build()).get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while recording `" + type + "` in the ledger", e);
    } catch (java.util.concurrent.ExecutionException | CompletionException | TimeoutException e) {
      throw new IllegalStateException("the change was made but its ledger event `" + type + "` could not be recorded: "
          + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()), e);
    }
  }
}
