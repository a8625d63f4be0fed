package run.caracal.server.admin;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.control.ControlException;
import run.caracal.control.db.Json;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.query.EventPage;
import run.caracal.sts.api.RequestIds;

/**
 * The ledger over the admin API (admin token required): events of a request or a trace, a
 * filtered listing with keyset paging, the NDJSON export, verification and the checkpoint public
 * key. Reads only; every handler runs on the blocking executor because it reads the database.
 */
@Controller("/admin/v1/ledger")
@ExecuteOn(TaskExecutors.BLOCKING)
public final class LedgerController {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerController.class);
  private static final MediaType NDJSON = MediaType.of("application/x-ndjson");
  private static final int DEFAULT_LIST_LIMIT = 100;
  private static final int DEFAULT_TRACE_LIMIT = 1_000;
  private static final Duration EXPORT_STALL = Duration.ofMinutes(2);

  private final Ledger ledger;
  private final LedgerQueries queries;

  public LedgerController(AdminContext admin) {
    this.ledger = admin.control().audit().ledger();
    this.queries = new LedgerQueries(admin.control());
  }

  @Get(uri = "/requests/{id}", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<String> request(@PathVariable String id) {
    List<AppendedEvent> events = ledger.byRequestId(id);
    if (events.isEmpty()) {
      throw ControlException.notFound("ledger events for request `" + id + "`");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("request_id", id);
    out.put("events", LedgerViews.events(events));
    return json(out);
  }

  /** The timeline of a trace id, or of the trace a request id belongs to. */
  @Get(uri = "/traces/{id}", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<String> trace(@PathVariable String id, @Nullable @QueryValue Integer limit) {
    int max = LedgerQueries.limit(limit, DEFAULT_TRACE_LIMIT);
    String traceId = id;
    List<AppendedEvent> events = ledger.byTraceId(id, max);
    if (events.isEmpty()) {
      List<AppendedEvent> request = ledger.byRequestId(id);
      traceId = request.stream().map(e -> e.event().traceId()).filter(t -> !t.isEmpty()).findFirst().orElse("");
      events = traceId.isEmpty() ? request : ledger.byTraceId(traceId, max);
    }
    if (events.isEmpty()) {
      throw ControlException.notFound("ledger events for trace or request `" + id + "`");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("trace_id", traceId.isEmpty() ? null : traceId);
    out.put("events", LedgerViews.events(events));
    return json(out);
  }

  /**
   * Events matching `from`, `to` (ISO-8601, `[from, to)`), `zone` (id or name), `app`,
   * `resource`, `decision` (allow, deny, none), `type` (repeatable or comma-separated; `x.*` for
   * a family); `limit` (1..10000, default 100), `cursor` from the previous page's
   * `next_cursor`, `order` (oldest, the default, or newest).
   */
  @Get(uri = "/events", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<String> events(HttpRequest<?> request) {
    var params = request.getParameters();
    EventPage page = ledger.list(queries.filter(params), queries.page(params, DEFAULT_LIST_LIMIT));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("events", LedgerViews.events(page.events()));
    out.put("next_cursor", page.next().orElse(null));
    return json(out);
  }

  /** The whole ledger as NDJSON (one snapshot), streamed while it is read. */
  @Get(uri = "/export", produces = "application/x-ndjson")
  public HttpResponse<InputStream> export() {
    ExportPipe pipe = new ExportPipe(EXPORT_STALL);
    Thread writer = new Thread(() -> {
      OutputStream out = pipe.sink();
      try {
        long events = ledger.export(out);
        out.close();
        LOG.info("ledger exported events={}", events);
      } catch (Exception | java.lang.Error e) {
        LOG.warn("ledger export stopped error={}", String.valueOf(e.getMessage()));
        pipe.fail();
      }
    }, "caracal-ledger-export");
    writer.setDaemon(true);
    writer.start();
    return HttpResponse.ok(pipe.source()).contentType(NDJSON)
        .header("Content-Disposition", "attachment; filename=\"caracal-ledger.ndjson\"")
        .header("Cache-Control", "no-store");
  }

  /** Verifies the whole ledger from one snapshot with the server's checkpoint key. */
  @Get(uri = "/verify", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<String> verify() {
    return json(LedgerViews.report(ledger.verify()));
  }

  /** The Ed25519 public key (SPKI, PEM) that verifies the checkpoints. */
  @Get(uri = "/public-key", produces = "application/x-pem-file")
  public HttpResponse<String> publicKey() {
    return HttpResponse.ok(LedgerViews.pem(ledger.publicKey())).contentType("application/x-pem-file");
  }

  @Error(exception = LedgerException.class)
  public HttpResponse<String> ledgerFailure(HttpRequest<?> request, LedgerException e) {
    String id = RequestIds.of(request).requestId();
    Map<String, Object> body = new LinkedHashMap<>();
    if (e.code().equals("invalid_cursor")) {
      body.put("error", "invalid_request");
      body.put("reason", e.code());
      body.put("message", e.getMessage());
      body.put("request_id", id);
      return HttpResponse.<String>status(HttpStatus.BAD_REQUEST).body(Json.write(body)).contentType(MediaType.APPLICATION_JSON);
    }
    LOG.error("ledger read failed request_id={} code={} error={}", id, e.code(), e.getMessage());
    body.put("error", "unavailable");
    body.put("reason", e.code());
    body.put("message", "the ledger cannot be read right now; see the server log for this request id");
    body.put("request_id", id);
    return HttpResponse.<String>status(HttpStatus.SERVICE_UNAVAILABLE).body(Json.write(body))
        .contentType(MediaType.APPLICATION_JSON);
  }

  private static HttpResponse<String> json(Object value) {
    return HttpResponse.ok(Json.write(value)).contentType(MediaType.APPLICATION_JSON);
  }
}
