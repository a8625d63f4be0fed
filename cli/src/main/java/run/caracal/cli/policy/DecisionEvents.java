package run.caracal.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import run.caracal.cli.UsageException;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.audit.DatabaseOptions;
import run.caracal.cli.audit.LedgerApi;
import run.caracal.cli.policy.ExportLineScan.Top;
import run.caracal.decision.Times;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.export.NdjsonExporter;
import run.caracal.ledger.query.EventFilter;
import run.caracal.ledger.query.EventPage;
import run.caracal.ledger.query.PageRequest;
import run.caracal.ledger.store.JdbcLedgerStore;

/**
 * A zone's decision events (`authorization`, `gateway.decision`) in a time window, oldest first,
 * handed over one at a time: from the running server page by page, or from an export line by
 * line. Never holds more than one page.
 */
public final class DecisionEvents {
  private static final int PAGE = 1000;

  private DecisionEvents() {}

  /**
   * Where the events come from: an export file, the ledger's database, or (both null) the
   * running server.
   */
  public record Source(Path export, DatabaseOptions db) {
    public static final Source SERVER = new Source(null, null);
  }

  /**
   * From the source's export or database when given, else from the running server; {@code warn}
   * hears about a zone the server does not know (a deleted zone's events are still read).
   */
  static void stream(Source source, String zone, Instant from, Instant to, Consumer<RecordedEvent> sink, Consumer<String> warn)
      throws IOException {
    if (source.export() != null) {
      fromExport(source.export(), zone, from, to, sink);
    } else if (source.db() != null && source.db().given()) {
      fromDatabase(source.db(), zone, from, to, sink, warn);
    } else {
      if (LedgerApi.fromHome().zone(zone).isEmpty()) {
        warn.accept("warning: the server has no zone `" + zone + "`; only events recorded under that id are read");
      }
      fromServer(zone, from, to, sink);
    }
  }

  /** The zone's decision events in the window, page by page from the running server. */
  private static void fromServer(String zone, Instant from, Instant to, Consumer<RecordedEvent> sink) {
    LedgerApi api = LedgerApi.fromHome();
    String cursor = null;
    do {
      Map<String, String> query = new LinkedHashMap<>();
      query.put("zone", zone);
      query.put("type", "authorization,gateway.decision");
      query.put("from", from.toString());
      query.put("to", to.toString());
      query.put("limit", String.valueOf(PAGE));
      query.put("order", "oldest");
      if (cursor != null) {
        query.put("cursor", cursor);
      }
      JsonNode page = api.events(query);
      page.path("events").forEach(e -> sink.accept(RecordedEvent.of(e)));
      cursor = page.path("next_cursor").isTextual() ? page.path("next_cursor").asText() : null;
    } while (cursor != null);
  }

  /**
   * The zone's decision events in the window, page by page from the ledger's database (the zone
   * named by id, or by name through its {@code zone.created} event), as an export writes them.
   */
  private static void fromDatabase(DatabaseOptions db, String zone, Instant from, Instant to, Consumer<RecordedEvent> sink,
      Consumer<String> warn) throws IOException {
    try (HikariDataSource pool = db.open()) {
      JdbcLedgerStore store = new JdbcLedgerStore(pool);
      String zoneId = zoneId(store, zone);
      if (zoneId == null) {
        warn.accept("warning: `" + db.display() + "` records no zone named `" + zone + "`; only events recorded under that id are read");
        zoneId = zone;
      }
      EventFilter filter = EventFilter.all().zone(zoneId).from(from).to(to).types("authorization", "gateway.decision");
      PageRequest page = PageRequest.first(PAGE);
      while (true) {
        EventPage events = store.list(filter, page);
        events.events().forEach(e -> sink.accept(RecordedEvent.of(exportLine(e))));
        if (events.next().isEmpty()) {
          return;
        }
        page = page.after(events.next().get());
      }
    }
  }

  /** The id of the zone named {@code zone} (or with that id), from the ledger's zone.created events. */
  private static String zoneId(JdbcLedgerStore store, String zone) throws IOException {
    PageRequest page = PageRequest.first(PAGE);
    while (true) {
      EventPage created = store.list(EventFilter.all().types("zone.created"), page);
      for (AppendedEvent e : created.events()) {
        String name = AdminClient.JSON.readTree(e.event().explanation().isEmpty() ? "{}" : e.event().explanation()).path("name").asText("");
        if (zone.equals(name) || zone.equals(e.event().zone())) {
          return e.event().zone();
        }
      }
      if (created.next().isEmpty()) {
        return null;
      }
      page = page.after(created.next().get());
    }
  }

  /** An event as a line of `caracal audit export` holds it (the exporter writes it). */
  private static JsonNode exportLine(AppendedEvent a) {
    try (TokenBuffer line = new TokenBuffer(AdminClient.JSON, false)) {
      NdjsonExporter.write(line, a);
      return AdminClient.JSON.readTree(line.asParser());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read event " + a.chainId() + "/" + a.seq(), e);
    }
  }

  /**
   * The zone's decision events in the window, streamed from an export, one line at a time. A line
   * is only scanned for its kind, type, zone and time ({@link ExportLineScan}: its explanation is
   * skipped and left for {@link RecordedEvent#record}, on another thread); a line the scan does
   * not handle and a `zone.created` line are read as trees.
   */
  private static void fromExport(Path export, String zone, Instant from, Instant to, Consumer<RecordedEvent> sink)
      throws IOException {
    Map<String, String> zoneIds = new HashMap<>();
    try (ExportLines lines = new ExportLines(export)) {
      while (lines.next()) {
        if (lines.blank()) {
          continue;
        }
        byte[] line = lines.copy();
        Top top = ExportLineScan.scan(line);
        JsonNode e = null;
        if (top == null || top.type().equals("zone.created")) {
          try {
            e = AdminClient.JSON.readTree(line);
          } catch (IOException ex) {
            throw new UsageException(export + ":" + lines.number() + ": not a JSON line of an export");
          }
          top = new Top(e.path("kind").asText(), e.path("event_type").asText(), e.path("zone").asText(),
              e.path("occurred_at").asText(), -1, -1, e.has("type"));
        }
        if (!top.kind().equals("event")) {
          continue;
        }
        if (top.type().equals("zone.created")) {
          JsonNode created = e;
          JsonNode x = created.path("explanation"); // an object, or (export version 1) its text
          Optional.ofNullable((x.isTextual() ? AdminClient.JSON.readTree(x.textValue()) : x).path("name").textValue())
              .ifPresent(name -> zoneIds.put(name, created.path("zone").asText()));
          continue;
        }
        if (!top.type().equals("authorization") && !top.type().equals("gateway.decision")) {
          continue;
        }
        if (!top.zone().equals(zone) && !top.zone().equals(zoneIds.get(zone))) {
          continue;
        }
        Instant at = Times.parse(top.occurredAt());
        if (!at.isBefore(from) && at.isBefore(to)) {
          sink.accept(e != null ? RecordedEvent.of(e)
              : top.typeField() || top.explanationFrom() < 0 ? RecordedEvent.ofExportLine(line)
              : RecordedEvent.ofExportLine(line, top.explanationFrom(), top.explanationTo()));
        }
      }
    } catch (NoSuchFileException e) {
      throw new UsageException("export `" + export + "` does not exist");
    }
  }

}
