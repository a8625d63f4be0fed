package run.caracal.control.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.control.db.Jdbc;
import run.caracal.control.db.Json;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.LedgerEvent;

/**
 * One ledger event per control-plane change (`zone.created`, `app.secret_rotated`,
 * `policyset.activated`, ...), and the guarantee that a change and its event cannot diverge:
 * {@link #change} runs the change in one database transaction together with the insertion of
 * its events into an outbox; after the commit the events are appended to the ledger and
 * removed from the outbox. When the ledger cannot take them, they stay in the outbox and
 * {@link #drain} (run periodically and at start) appends them later, once each: an event whose
 * id is already in the ledger is not appended again. Never records secrets: callers pass ids
 * and hashes only. Thread-safe.
 */
public final class AdminAudit {
  private static final Logger LOG = LoggerFactory.getLogger(AdminAudit.class);
  private static final int DRAIN_BATCH = 100;
  private final Ledger ledger;
  private final Jdbc jdbc;

  public AdminAudit(Ledger ledger, Jdbc jdbc) {
    this.ledger = ledger;
    this.jdbc = jdbc;
  }

  public Ledger ledger() {
    return ledger;
  }

  /**
   * Runs a change and the {@link #record}s it makes in one transaction, then appends their events
   * to the ledger. The change stands once committed: when the ledger cannot take its events now,
   * they are appended when it can (see {@link #drain}).
   */
  public <T> T change(Supplier<T> change) {
    T result = jdbc.inTransaction(change);
    drain();
    return result;
  }

  /** As {@link #change(Supplier)}, for a change without a result. */
  public void change(Runnable change) {
    change(() -> {
      change.run();
      return null;
    });
  }

  /**
   * Records a change's event: into the outbox, inside the change's transaction when called from
   * {@link #change}; on its own otherwise (then appended by the next drain).
   */
  public void record(String type, String zoneId, String actor, Map<String, ?> details) {
    LedgerEvent event = ledger.newEvent(type).zone(zoneId).actor(actor).decision(Decision.NONE)
        .explanation(Json.write(details)).build();
    ObjectNode json = Json.MAPPER.createObjectNode().put("id", event.id()).put("type", event.type())
        .put("occurredAt", event.occurredAt().toString()).put("zone", event.zone()).put("actor", event.actor())
        .put("explanation", event.explanation());
    jdbc.update("insert into ledger_outbox (id, event, created_at) values (?, ?, ?)", event.id(), json.toString(),
        event.occurredAt().toEpochMilli());
  }

  /**
   * Appends the outbox's events to the ledger, oldest first, each exactly once; stops at the
   * first that cannot be recorded now (it stays for the next drain). Returns how many were
   * appended. Safe to run from several processes at once: each event is locked while it is
   * appended.
   */
  public synchronized int drain() {
    int appended = 0;
    try {
      List<String> ids = jdbc.query("select id from ledger_outbox order by created_at, id", rs -> rs.getString(1));
      for (String id : ids.subList(0, Math.min(ids.size(), DRAIN_BATCH))) {
        if (!drainOne(id)) {
          break;
        }
        appended++;
      }
    } catch (RuntimeException e) {
      LOG.warn("ledger outbox not drained now; its events are kept error={}", e.getMessage());
    }
    return appended;
  }

  /** Events still waiting in the outbox. */
  public int pending() {
    return jdbc.queryOne("select count(*) from ledger_outbox", rs -> rs.getInt(1)).orElse(0);
  }

  private boolean drainOne(String id) {
    return jdbc.transaction(c -> {
      List<String> rows = Jdbc.query(c, "select event from ledger_outbox where id = ? for update", rs -> rs.getString(1), id);
      if (rows.isEmpty()) {
        return true; // another process appended it
      }
      JsonNode e = Json.read(rows.get(0), JsonNode.class);
      LedgerEvent event = LedgerEvent.builder(e.path("type").asText()).id(id).occurredAt(Instant.parse(e.path("occurredAt").asText()))
          .zone(e.path("zone").asText("")).actor(e.path("actor").asText("")).decision(Decision.NONE)
          .explanation(e.path("explanation").asText("")).requestId(requestId(id)).build();
      if (!alreadyRecorded(event)) {
        try {
          ledger.append(event).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
          return false;
        } catch (ExecutionException | TimeoutException | RuntimeException ex) {
          LOG.warn("ledger event `{}` of a committed change is kept for later event_id={} error={}", event.type(), id,
              ex.getCause() == null ? ex.getMessage() : ex.getCause().getMessage());
          return false;
        }
      }
      Jdbc.update(c, "delete from ledger_outbox where id = ?", id);
      return true;
    });
  }

  /** The request id an admin event carries: its outbox id, so a retried append can find an earlier one. */
  private static String requestId(String id) {
    return "adm_" + id;
  }

  private boolean alreadyRecorded(LedgerEvent event) {
    return ledger.byRequestId(event.requestId()).stream().anyMatch(a -> a.event().id().equals(event.id()));
  }
}
