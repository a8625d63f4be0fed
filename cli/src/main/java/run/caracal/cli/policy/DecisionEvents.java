package run.caracal.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
import run.caracal.cli.audit.LedgerApi;

/**
 * A zone's decision events (`authorization`, `gateway.decision`) in a time window, oldest first,
 * handed over one at a time: from the running server page by page, or from an export line by
 * line. Never holds more than one page.
 */
final class DecisionEvents {
  private static final int PAGE = 1000;

  private DecisionEvents() {}

  /**
   * From {@code export} when given, else from the running server; {@code warn} hears about a zone
   * the server does not know (a deleted zone's events are still read).
   */
  static void stream(Path export, String zone, Instant from, Instant to, Consumer<JsonNode> sink, Consumer<String> warn)
      throws IOException {
    if (export != null) {
      fromExport(export, zone, from, to, sink);
    } else {
      if (LedgerApi.fromHome().zone(zone).isEmpty()) {
        warn.accept("warning: the server has no zone `" + zone + "`; only events recorded under that id are read");
      }
      fromServer(zone, from, to, sink);
    }
  }

  /** The zone's decision events in the window, page by page from the running server. */
  private static void fromServer(String zone, Instant from, Instant to, Consumer<JsonNode> sink) {
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
      page.path("events").forEach(sink);
      cursor = page.path("next_cursor").isTextual() ? page.path("next_cursor").asText() : null;
    } while (cursor != null);
  }

  /** The zone's decision events in the window, streamed from an export, one line at a time. */
  private static void fromExport(Path export, String zone, Instant from, Instant to, Consumer<JsonNode> sink)
      throws IOException {
    Map<String, String> zoneIds = new HashMap<>();
    try (BufferedReader in = Files.newBufferedReader(export, StandardCharsets.UTF_8)) {
      String line;
      int number = 0;
      while ((line = in.readLine()) != null) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode e;
        try {
          e = AdminClient.JSON.readTree(line);
        } catch (IOException ex) {
          throw new UsageException(export + ":" + number + ": not a JSON line of an export");
        }
        if (!e.path("kind").asText().equals("event")) {
          continue;
        }
        String type = e.path("event_type").asText();
        if (type.equals("zone.created")) {
          Optional.ofNullable(AdminClient.JSON.readTree(e.path("explanation").asText("{}")).path("name").textValue())
              .ifPresent(name -> zoneIds.put(name, e.path("zone").asText()));
          continue;
        }
        if (!type.equals("authorization") && !type.equals("gateway.decision")) {
          continue;
        }
        String eventZone = e.path("zone").asText();
        if (!eventZone.equals(zone) && !eventZone.equals(zoneIds.get(zone))) {
          continue;
        }
        Instant at = Instant.parse(e.path("occurred_at").asText());
        if (!at.isBefore(from) && at.isBefore(to)) {
          sink.accept(e);
        }
      }
    } catch (NoSuchFileException e) {
      throw new UsageException("export `" + export + "` does not exist");
    }
  }
}
